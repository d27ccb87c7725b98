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
import postgres from "postgres";
import { inject } from "vitest";
import { type RunningCluster, startClusterFromTemplate } from "./postgres-cluster.ts";

export interface TestDatabase {
  cluster: RunningCluster;
  url: string;
  /** Superuser client (plays the part of Supabase's `postgres` role). */
  sql: postgres.Sql;
  stop(): Promise<void>;
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
