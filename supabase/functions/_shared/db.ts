/**
 * @module
 * The postgres.js client of an Edge Function: created once per isolate (module scope of index.ts) and
 * reused by every request the isolate serves.
 *
 * `prepare: false` because SUPABASE_DB_URL may point at the transaction-mode pooler (Supavisor, port
 * 6543), which cannot keep named prepared statements across transactions. A small pool: an isolate
 * handles few concurrent requests and the pooler multiplexes anyway.
 *
 * @example
 * ```ts
 * const sql = createSql(config.SUPABASE_DB_URL);
 * const rows = await sql`select * from queue.claim(${n}, ${"900 seconds"}::interval, ${nodeId})`;
 * ```
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

export function createSql(url: string, { max = 4 }: { max?: number } = {}): Sql {
  return postgres(url, {
    prepare: false,
    max,
    idle_timeout: 20,
    connect_timeout: 10,
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
