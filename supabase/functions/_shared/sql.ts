/**
 * @module
 * The postgres.js client type and error helpers, without the function configuration (so code shared with
 * Node tests, such as `report/apply-report.ts`, type-checks outside Deno).
 */
import type postgres from "postgres";

export type Sql = postgres.Sql;

/** The SQLSTATE of a postgres.js error (`GQ002`, `23514`, …), or undefined. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The server's message of a postgres.js error, e.g. `LEASE_MISMATCH: job 7 …`. */
export function sqlMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
