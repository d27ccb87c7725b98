/**
 * @module
 * The postgres.js client of an Edge Function: created once per isolate (module scope of index.ts) and
 * reused by every request the isolate serves.
 *
 * Connections: every isolate holds its own pool, and the platform runs many isolates, so a direct
 * connection (`SUPABASE_DB_URL`, port 5432) per isolate exhausts Postgres' slots quickly. In production
 * set the secret `DB_POOLER_URL` to the project's *transaction* pooler (Supavisor,
 * `postgres://postgres.<ref>:<password>@aws-0-<region>.pooler.supabase.com:6543/postgres`, Dashboard →
 * Connect → Transaction pooler), and keep `DB_MAX_CONNECTIONS` at 1–2: Supavisor multiplexes the
 * isolates' connections onto a few server connections. `prepare: false` because the transaction pooler
 * cannot keep named prepared statements across transactions. Without `DB_POOLER_URL` the function uses
 * `SUPABASE_DB_URL` (local stack, tests).
 *
 * @example
 * ```ts
 * const config = parseEnv(z.object({ ...dbEnvShape }));
 * const sql = createSql(config, "dispatch");
 * const rows = await sql`select * from queue.claim(${n}, ${"900 seconds"}::interval, ${nodeId})`;
 * ```
 */
import postgres from "postgres";
import { z } from "zod";
import { dbUrlVar, intVar } from "./config.ts";

export type Sql = postgres.Sql;

/** Supavisor's session mode listens on 5432, its transaction mode on 6543. */
const poolerUrlVar = dbUrlVar.refine(
  (value) => {
    try {
      const url = new URL(value.replace(/^postgres(ql)?:/, "http:"));
      return !url.hostname.endsWith(".pooler.supabase.com") || url.port === "6543";
    } catch {
      return false;
    }
  },
  { message: "must be the transaction pooler (port 6543 on *.pooler.supabase.com), not the session pooler" },
);

/** The database variables every function reads (spread into its env schema). */
export const dbEnvShape = {
  /** Platform-provided direct connection; used when DB_POOLER_URL is unset (local stack, tests). */
  SUPABASE_DB_URL: dbUrlVar,
  /** The transaction pooler's URL (a custom secret); preferred over SUPABASE_DB_URL. */
  DB_POOLER_URL: poolerUrlVar.optional(),
  /** Connections per isolate (1–2: many isolates share the pooler). */
  DB_MAX_CONNECTIONS: intVar(2, { min: 1, max: 2 }),
};

const dbEnvSchema = z.object(dbEnvShape);
export type DbConfig = z.infer<typeof dbEnvSchema>;

/** The isolate's client; `name` becomes the connection's application_name (visible in pg_stat_activity). */
export function createSql(config: DbConfig, name: string): Sql {
  return postgres(config.DB_POOLER_URL ?? config.SUPABASE_DB_URL, {
    prepare: false,
    max: config.DB_MAX_CONNECTIONS,
    idle_timeout: 20,
    connect_timeout: 10,
    connection: { application_name: `giggles-${name}` },
    onnotice: () => {},
  });
}

/** The SQLSTATE of a postgres.js error (`GQ002`, `23514`, …), or undefined. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The server's message of a postgres.js error, e.g. `LEASE_MISMATCH: job 7 …`. */
export function sqlMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
