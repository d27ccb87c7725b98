/**
 * @module
 * Per-test-file database: a private PostgreSQL cluster copied from the run's template (platform
 * mirror + all migrations applied), plus a postgres.js client. Call from `beforeAll`.
 *
 * @example
 * let db: TestDatabase;
 * beforeAll(async () => { db = await startTestDatabase(); });
 * afterAll(() => db.stop());
 */
import { join } from "node:path";
import postgres from "postgres";
import { inject } from "vitest";
import { ensurePostgresBinaries } from "./postgres-binaries.ts";
import {
  applySqlFiles,
  REPO_ROOT,
  type RunningCluster,
  startClusterFromTemplate,
} from "./postgres-cluster.ts";

export interface TestDatabase {
  cluster: RunningCluster;
  /** The platform's `postgres` role (not a superuser), as SUPABASE_DB_URL is. */
  url: string;
  /** Client of the `postgres` role: what a migration, the SQL editor or an Edge Function may do. */
  sql: postgres.Sql;
  stop(): Promise<void>;
}

/** pg_net's stand-in (infra/local/pg-net-stub.sql): the kick's pg_net branch records its calls in net.stub_requests. */
export const PG_NET_STUB_SQL = join(REPO_ROOT, "infra/local/pg-net-stub.sql");

/** Installs the recording `net.http_post` as the superuser (as Supabase installs pg_net). */
export function installPgNetStub(db: TestDatabase): void {
  applySqlFiles(ensurePostgresBinaries(), db.cluster.adminUrl, [PG_NET_STUB_SQL]);
}

export async function startTestDatabase(): Promise<TestDatabase> {
  const cluster = await startClusterFromTemplate(inject("pgTemplateDir"));
  const sql = postgres(cluster.url, { max: 10, onnotice: () => {} });
  return {
    cluster,
    url: cluster.url,
    sql,
    async stop() {
      await sql.end({ timeout: 5 });
      // KEEP_PG=1 keeps the data directory (and server.log) of every file for inspection.
      await cluster.stop({ keepData: process.env.KEEP_PG === "1" });
    },
  };
}
