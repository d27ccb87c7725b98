/**
 * @module
 * A user's Limitless API key (user JWT; one resource, so one function with three methods):
 *
 * - `PUT /limitless-key` `{ apiKey }` → checks the key upstream (`GET /v1/lifelogs?limit=1`, only 200
 *   means valid), seals it (AES-256-GCM, AAD = user id + KEK version), stores it and plans the backfill
 *   of the last N days → 200 `{ status: "valid", windowsPlanned }`. 422 `KEY_REJECTED` when upstream
 *   refuses it (nothing stored); 503 `UPSTREAM_UNAVAILABLE` when upstream cannot answer (try again).
 * - `GET /limitless-key` → 200 `{ status: "none" | "valid" | "invalid" | "forbidden", invalidSince, storedAt, windows }`
 *   (invalid: Limitless answered 401; forbidden: 403; both are re-checked every few hours)
 *   (`windows`: counts per state: pending, downloaded, no_audio, failed). The key itself is never returned.
 * - `DELETE /limitless-key` → 200 `{ removed }`. Planned windows stay and wait for a new key.
 *
 * The key is never logged: errors carry codes and statuses, never the request body or headers.
 */
import { Hono } from "hono";
import { z } from "zod";
import { type Sql, sqlState } from "../_shared/db.ts";
import { type limitlessKeyStateSchema, MAX_USER_BODY_BYTES } from "../_shared/generated/api/user-api.ts";
import { type Keyring, sealApiKey } from "../_shared/generated/limitless/api-key-crypto.ts";
import { keyCheckUrl, LIMITLESS_KEY_HEADER } from "../_shared/generated/limitless/limitless-contract.ts";
import {
  createErrorHandler,
  HttpError,
  methodNotAllowed,
  notFound,
  parseJson,
} from "../_shared/http-error.ts";
import { jsonBodyLimit, parseOrThrow, profileNotFound } from "../_shared/request-input.ts";
import { userApiCors } from "../_shared/user-api-cors.ts";
import { requireUser, type UserVariables, type UserVerifier } from "../_shared/user-auth.ts";
import type { LimitlessKeyConfig } from "./config.ts";

export const storeKeySchema = z.object({
  apiKey: z
    .string()
    .trim()
    .min(8, "must be a Limitless API key")
    .max(512, "is too long for a Limitless API key")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
});

export interface KeyStatus {
  status: z.infer<typeof limitlessKeyStateSchema>;
  invalidSince: string | null;
  storedAt: string | null;
  windows: Record<string, number>;
}

export interface LimitlessKeyAppDeps {
  config: LimitlessKeyConfig;
  sql: Sql;
  keyring: Keyring;
  verifyUser: UserVerifier;
  fetch?: typeof fetch;
}

/** Asks upstream whether `apiKey` is valid: true (200), false (401/403), or throws 503. */
async function checkUpstream(apiKey: string, deps: LimitlessKeyAppDeps): Promise<boolean> {
  let res: Response;
  try {
    res = await (deps.fetch ?? fetch)(keyCheckUrl(deps.config.LIMITLESS_API_URL), {
      headers: { [LIMITLESS_KEY_HEADER]: apiKey, accept: "application/json" },
      signal: AbortSignal.timeout(deps.config.LIMITLESS_TIMEOUT_MS),
      // Never followed: a redirect would carry the key to whatever host it names.
      redirect: "manual",
    });
  } catch (cause) {
    throw new HttpError(503, {
      code: "UPSTREAM_UNAVAILABLE",
      message: "Limitless could not be reached to check the key; nothing was stored, try again",
      cause,
      headers: { "retry-after": "30" },
    });
  }
  await res.body?.cancel();
  if (res.status === 200) return true;
  if (res.status === 401 || res.status === 403) return false;
  if (res.status >= 300 && res.status < 400) {
    throw new HttpError(503, {
      code: "UPSTREAM_UNAVAILABLE",
      message: `Limitless answered the key check with a redirect (HTTP ${res.status}), which is never followed; nothing was stored, try again later`,
      headers: { "retry-after": "30" },
    });
  }
  throw new HttpError(503, {
    code: "UPSTREAM_UNAVAILABLE",
    message: `Limitless answered HTTP ${res.status} to the key check; nothing was stored, try again`,
    headers: { "retry-after": res.headers.get("retry-after") ?? "30" },
  });
}

export function createLimitlessKeyApp(deps: LimitlessKeyAppDeps) {
  const { sql, keyring, verifyUser } = deps;
  const app = new Hono<{ Variables: UserVariables }>().basePath("/limitless-key");
  app.onError(createErrorHandler("limitless-key"));
  app.notFound(notFound);
  // The page may be hosted on another origin (README "Hosting the page").
  app.use("*", userApiCors());
  app.use("*", requireUser(verifyUser));
  // Capped while reading: a key is at most 512 characters.
  app.use("*", jsonBodyLimit(MAX_USER_BODY_BYTES));

  app.get("/", async (c) => {
    const { sub: userId } = c.get("user");
    const [row] = await sql<
      {
        status: KeyStatus["status"];
        invalid_since: Date | null;
        stored_at: Date | null;
        windows: Record<string, number>;
      }[]
    >`select status, invalid_since, stored_at, windows from queue.limitless_key_status(${userId}::uuid)`;
    const result: KeyStatus = {
      status: row.status,
      invalidSince: row.invalid_since?.toISOString() ?? null,
      storedAt: row.stored_at?.toISOString() ?? null,
      windows: row.windows,
    };
    return c.json(result, 200);
  });

  app.put("/", async (c) => {
    // The issues never echo the input (parseOrThrow keeps paths and messages only).
    const { apiKey } = parseOrThrow(
      storeKeySchema,
      parseJson(await c.req.text()),
      "INVALID_BODY",
      'expected { "apiKey": "<your Limitless API key>" }',
    );
    const { sub: userId } = c.get("user");
    if (!(await checkUpstream(apiKey, deps))) {
      throw new HttpError(422, {
        code: "KEY_REJECTED",
        message: "Limitless rejected this key (401/403); copy it again from the Limitless app",
      });
    }
    const sealed = await sealApiKey(keyring, userId, apiKey);
    let planned: number;
    try {
      [{ planned }] = await sql<{ planned: number }[]>`
        select queue.store_limitless_key(${userId}::uuid, ${sealed.ciphertext}, ${sealed.iv},
                                         ${sealed.kekVersion}) as planned`;
    } catch (error) {
      if (sqlState(error) === "23503") throw profileNotFound(error);
      throw error;
    }
    console.log(
      JSON.stringify({ level: "info", event: "limitless_key_stored", userId, windowsPlanned: planned }),
    );
    return c.json({ status: "valid", windowsPlanned: planned }, 200);
  });

  app.delete("/", async (c) => {
    const { sub: userId } = c.get("user");
    const [{ removed }] = await sql<{ removed: boolean }[]>`
      select queue.remove_limitless_key(${userId}::uuid) as removed`;
    return c.json({ removed }, 200);
  });
  app.all("/", methodNotAllowed(["GET", "PUT", "DELETE"]));
  return app;
}
