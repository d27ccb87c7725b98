/**
 * @module
 * What every `me` route module shares: its dependencies, the Hono env (the verified user), and the
 * mapping of the `user_api` functions' SQLSTATEs to HTTP errors.
 */
import { Hono } from "hono";
import type { Sql } from "../_shared/db.ts";
import { sqlMessage, sqlState } from "../_shared/db.ts";
import { HttpError } from "../_shared/http-error.ts";
import { profileNotFound } from "../_shared/request-input.ts";
import type { ObjectStore } from "../_shared/storage-objects.ts";
import type { UserVariables } from "../_shared/user-auth.ts";
import type { MeConfig } from "./config.ts";

export interface MeRouteDeps {
  config: MeConfig;
  sql: Sql;
  objects: ObjectStore;
}

export type MeEnv = { Variables: UserVariables };

/** A route module's own Hono (mounted on `/me` by app.ts, which adds auth, CORS and the body limit). */
export const meRoutes = () => new Hono<MeEnv>();

/** Maps the user_api functions' SQLSTATEs to HTTP errors; anything else stays a 500. */
export function fromSql(error: unknown): never {
  const state = sqlState(error);
  if (state === "22023") {
    const message = sqlMessage(error);
    const code = message.startsWith("INVALID_TIME_ZONE") ? "INVALID_TIME_ZONE" : "INVALID_ARGUMENT";
    throw new HttpError(400, { code, message, cause: error });
  }
  if (state === "23503") throw profileNotFound(error);
  if (state === "42501") {
    throw new HttpError(401, { code: "NOT_SIGNED_IN", message: "sign in again", cause: error });
  }
  if (state === "GQ013") {
    throw new HttpError(429, { code: "REPROCESS_LIMIT", message: sqlMessage(error), cause: error });
  }
  throw error;
}
