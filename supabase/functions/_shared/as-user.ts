/**
 * @module
 * Runs queries **as the signed-in user**, as PostgREST would: in one transaction, `request.jwt.claims` is
 * set to the verified token's claims and the role becomes `authenticated`, so `auth.uid()` is the caller
 * and the tables' own RLS policies decide what is visible. Callers add no `user_id` filter of their own:
 * a policy mistake cannot be papered over.
 *
 * @example
 * ```ts
 * const rows = await asUser(sql, c.get("user"), (tx) => tx`select * from user_api.profile()`);
 * ```
 */
import type postgres from "postgres";
import type { Sql } from "./db.ts";
import type { AuthenticatedUser } from "./user-auth.ts";

// The return type is postgres.js's own (`begin` unwraps arrays of promises), inferred rather than restated.
export function asUser<T>(
  sql: Sql,
  user: AuthenticatedUser,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
) {
  return sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(user.claims)}, true)`;
    await tx`set local role authenticated`;
    return await fn(tx);
  });
}
