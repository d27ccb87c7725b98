/**
 * @module
 * `me`: everything a signed-in user does with their own data, as one Edge Function with routes (Supabase's
 * advice for related endpoints: one deploy, one cold start, one place for auth; see supabase/README.md).
 * Every query runs as the caller under RLS (`asUser`); the few SQL functions that must reach the private
 * queue act on `auth.uid()` only. SQL lives in `user_api.*` (migration 20261201005000). The request and
 * answer shapes are the user API contract in `shared/api/user-api.ts`, which the page parses with too.
 *
 * One module per resource:
 * - profile-routes.ts: `GET|PUT /me/profile`
 * - days-routes.ts: `GET /me/days?from&to`
 * - events-routes.ts: `PATCH|DELETE /me/events/:id` (notes, deleting one laugh)
 * - reprocess-routes.ts: `POST /me/reprocess`, `GET /me/reprocess/:id`, `POST /me/process-today`
 * - data-routes.ts: `DELETE /me/data`
 *
 * Bodies are capped at MAX_USER_BODY_BYTES while they are read (413 BODY_TOO_LARGE).
 */
import { Hono } from "hono";
import type { Sql } from "../_shared/db.ts";
import { MAX_USER_BODY_BYTES } from "../_shared/generated/api/user-api.ts";
import { createErrorHandler, notFound } from "../_shared/http-error.ts";
import { jsonBodyLimit } from "../_shared/request-input.ts";
import { s3Credentials } from "../_shared/s3.ts";
import { createObjectStore, type ObjectStore } from "../_shared/storage-objects.ts";
import { userApiCors } from "../_shared/user-api-cors.ts";
import { requireUser, type UserVerifier } from "../_shared/user-auth.ts";
import type { MeConfig } from "./config.ts";
import { dataRoutes } from "./data-routes.ts";
import { daysRoutes } from "./days-routes.ts";
import { eventsRoutes } from "./events-routes.ts";
import { profileRoutes } from "./profile-routes.ts";
import { reprocessRoutes } from "./reprocess-routes.ts";
import type { MeEnv, MeRouteDeps } from "./routes.ts";

export interface MeAppDeps {
  config: MeConfig;
  sql: Sql;
  verifyUser: UserVerifier;
  /** Injected in tests; defaults to presigned S3 requests with the config's credentials. */
  storage?: ObjectStore;
}

export function createMeApp({ config, sql, verifyUser, storage }: MeAppDeps) {
  const objects =
    storage ?? createObjectStore(s3Credentials(config), { timeoutMs: config.STORAGE_TIMEOUT_MS });
  const deps: MeRouteDeps = { config, sql, objects };
  const app = new Hono<MeEnv>().basePath("/me");
  app.onError(createErrorHandler("me"));
  app.notFound(notFound);
  app.use("*", userApiCors());
  app.use("*", async (c, next) => {
    await next();
    c.header("cache-control", "private, no-store");
  });
  app.use("*", requireUser(verifyUser));
  app.use("*", jsonBodyLimit(MAX_USER_BODY_BYTES));
  for (const routes of [profileRoutes, daysRoutes, eventsRoutes, reprocessRoutes, dataRoutes]) {
    app.route("/", routes(deps));
  }
  return app;
}
