/**
 * @module
 * `me`: everything a signed-in user does with their own data, as one Edge Function with routes (Supabase's
 * advice for related endpoints: one deploy, one cold start, one place for auth; see supabase/README.md).
 * Every query runs as the caller under RLS (`asUser`); the few SQL functions that must reach the private
 * queue act on `auth.uid()` only. SQL lives in `user_api.*` (migration 20261201005000).
 *
 * - `GET /me/profile` → `{ timeZone, createdAt, limitlessKey }` (`limitlessKey`: none | valid | invalid |
 *   forbidden, from `user_api.limitless_key_state()`)
 * - `PUT /me/profile` `{ timeZone }` → `{ timeZone }` (400 INVALID_TIME_ZONE). Re-dating rule: a zone change
 *   applies to recordings registered from then on; days already recorded keep their dates.
 * - `GET /me/days?from=YYYY-MM-DD&to=YYYY-MM-DD` (≤ 366 days) → `{ timeZone, days: [{ date, laughs,
 *   laughSeconds, recordings, planned, processing, done, failed, state, failureReasons }] }`, newest first,
 *   empty days included; state is empty | planned | processing | done | failed.
 * - `PATCH /me/events/:id` `{ note: string | null }` (≤ 1000 characters) → `{ id, note }`; 404 if not yours.
 * - `DELETE /me/events/:id` → 204; the row and its clip object go together (a failed object delete keeps
 *   the row).
 * - `POST /me/reprocess` `{ from, to }` → 202 `{ requestId, recordings }`; `GET /me/reprocess/:id` →
 *   `{ requestId, from, to, recordings, queued, done, failed, finished }`.
 * - `POST /me/process-today` → 202 `{ localDate, recordings }`: today's uploads are queued now.
 * - `DELETE /me/data` `{ confirm: "delete all my data" }` → `{ recordings, events, objects: { recordings,
 *   clips } }`: every row, then every object under `<user id>/` in both buckets. Safe to repeat.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { z } from "zod";
import { asUser } from "../_shared/as-user.ts";
import { type Sql, sqlMessage, sqlState } from "../_shared/db.ts";
import {
  createErrorHandler,
  HttpError,
  methodNotAllowed,
  notFound,
  parseJson,
} from "../_shared/http-error.ts";
import { localDateSchema } from "../_shared/local-date.ts";
import { s3Credentials } from "../_shared/s3.ts";
import { createObjectStore, type ObjectStore } from "../_shared/storage-objects.ts";
import { requireUser, type UserVariables, type UserVerifier } from "../_shared/user-auth.ts";
import type { MeConfig } from "./config.ts";

export const MAX_NOTE_CHARS = 1000;
export const DELETE_ALL_CONFIRMATION = "delete all my data";

const dateRange = z.object({ from: localDateSchema, to: localDateSchema });
const uuid = z.uuid("must be a uuid");

export const profileBodySchema = z.object({ timeZone: z.string().min(1).max(64) });
export const noteBodySchema = z.object({
  note: z
    .string()
    .refine((note) => [...note].length <= MAX_NOTE_CHARS, `at most ${MAX_NOTE_CHARS} characters`)
    .nullable(),
});
export const deleteAllBodySchema = z.object({
  confirm: z.literal(DELETE_ALL_CONFIRMATION, { error: `send { "confirm": "${DELETE_ALL_CONFIRMATION}" }` }),
});

export type DayState = "empty" | "planned" | "processing" | "done" | "failed";

export interface DaySummary {
  date: string;
  laughs: number;
  laughSeconds: number;
  recordings: number;
  planned: number;
  processing: number;
  done: number;
  failed: number;
  state: DayState;
  failureReasons: string[];
}

export interface ReprocessProgress {
  requestId: string;
  from: string;
  to: string;
  createdAt: string;
  recordings: number;
  queued: number;
  done: number;
  failed: number;
  finished: boolean;
}

export interface MeAppDeps {
  config: MeConfig;
  sql: Sql;
  verifyUser: UserVerifier;
  /** Injected in tests; defaults to presigned S3 requests with the config's credentials. */
  storage?: ObjectStore;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, code: string, message: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, { code, message, details: parsed.error.issues });
  return parsed.data;
}

/** Maps the user_api functions' SQLSTATEs to HTTP errors; anything else stays a 500. */
function fromSql(error: unknown): never {
  const state = sqlState(error);
  if (state === "22023") {
    const message = sqlMessage(error);
    const code = message.startsWith("INVALID_TIME_ZONE") ? "INVALID_TIME_ZONE" : "INVALID_ARGUMENT";
    throw new HttpError(400, { code, message, cause: error });
  }
  if (state === "23503") {
    throw new HttpError(403, {
      code: "PROFILE_NOT_FOUND",
      message: "this account has no profile",
      cause: error,
    });
  }
  if (state === "42501") {
    throw new HttpError(401, { code: "NOT_SIGNED_IN", message: "sign in again", cause: error });
  }
  if (state === "GQ013") {
    throw new HttpError(429, { code: "REPROCESS_LIMIT", message: sqlMessage(error), cause: error });
  }
  throw error;
}

export function createMeApp({ config, sql, verifyUser, storage }: MeAppDeps) {
  const objects =
    storage ?? createObjectStore(s3Credentials(config), { timeoutMs: config.STORAGE_TIMEOUT_MS });
  const app = new Hono<{ Variables: UserVariables }>().basePath("/me");
  app.onError(createErrorHandler("me"));
  app.notFound(notFound);
  // A page on another origin calls with a bearer token (no cookies), so any origin may.
  app.use(
    "*",
    cors({ origin: "*", allowHeaders: ["authorization", "apikey", "content-type", "x-client-info"] }),
  );
  app.use("*", async (c, next) => {
    await next();
    c.header("cache-control", "private, no-store");
  });
  app.use("*", requireUser(verifyUser));

  app.get("/profile", async (c) => {
    const [profile] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ time_zone: string; created_at: Date; limitless_key: string }[]>`
        select p.*, user_api.limitless_key_state() as limitless_key from user_api.profile() p`,
    );
    if (profile === undefined) {
      throw new HttpError(403, { code: "PROFILE_NOT_FOUND", message: "this account has no profile" });
    }
    return c.json({
      timeZone: profile.time_zone,
      createdAt: profile.created_at.toISOString(),
      limitlessKey: profile.limitless_key,
    });
  });
  app.put("/profile", async (c) => {
    const body = parseOrThrow(
      profileBodySchema,
      parseJson(await c.req.text()),
      "INVALID_BODY",
      'expected { "timeZone": "<IANA zone, e.g. Europe/London>" }',
    );
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ time_zone: string }[]>`select user_api.set_time_zone(${body.timeZone}) as time_zone`,
    ).catch(fromSql);
    return c.json({ timeZone: row.time_zone });
  });
  app.all("/profile", methodNotAllowed(["GET", "PUT"]));

  app.get("/days", async (c) => {
    const range = parseOrThrow(
      dateRange,
      c.req.query(),
      "INVALID_QUERY",
      "expected ?from=YYYY-MM-DD&to=YYYY-MM-DD",
    );
    const { timeZone, rows } = await asUser(sql, c.get("user"), async (tx) => {
      const [profile] = await tx<{ time_zone: string }[]>`select time_zone from user_api.profile()`;
      const rows = await tx<
        {
          local_date: string;
          laughs: number;
          laugh_seconds: string;
          recordings: number;
          recordings_planned: number;
          recordings_processing: number;
          recordings_done: number;
          recordings_failed: number;
          state: DayState;
          failure_reasons: string[];
        }[]
      >`select local_date::text as local_date, laughs, laugh_seconds::text as laugh_seconds, recordings,
               recordings_planned, recordings_processing, recordings_done, recordings_failed, state, failure_reasons
        from user_api.days(${range.from}::date, ${range.to}::date)`;
      return { timeZone: profile?.time_zone, rows };
    }).catch(fromSql);
    if (timeZone === undefined) {
      throw new HttpError(403, { code: "PROFILE_NOT_FOUND", message: "this account has no profile" });
    }
    const days: DaySummary[] = rows.map((row) => ({
      date: row.local_date,
      laughs: row.laughs,
      laughSeconds: Number(row.laugh_seconds),
      recordings: row.recordings,
      planned: row.recordings_planned,
      processing: row.recordings_processing,
      done: row.recordings_done,
      failed: row.recordings_failed,
      state: row.state,
      failureReasons: row.failure_reasons,
    }));
    return c.json({ timeZone, days });
  });
  app.all("/days", methodNotAllowed(["GET"]));

  app.patch("/events/:id", async (c) => {
    const id = parseOrThrow(uuid, c.req.param("id"), "INVALID_ID", "the event id must be a uuid");
    const body = parseOrThrow(
      noteBodySchema,
      parseJson(await c.req.text()),
      "INVALID_BODY",
      `expected { "note": "<at most ${MAX_NOTE_CHARS} characters>" } or { "note": null }`,
    );
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ updated: boolean; stored: string | null }[]>`
        select updated, stored from user_api.set_note(${id}::uuid, ${body.note})`,
    );
    if (!row.updated) throw new HttpError(404, { code: "EVENT_NOT_FOUND", message: "no such laugh" });
    return c.json({ id, note: row.stored });
  });
  app.delete("/events/:id", async (c) => {
    const id = parseOrThrow(uuid, c.req.param("id"), "INVALID_ID", "the event id must be a uuid");
    await asUser(sql, c.get("user"), async (tx) => {
      const [row] = await tx<{ deleted: boolean; clip_object_key: string | null }[]>`
        select deleted, clip_object_key from user_api.delete_event(${id}::uuid)`;
      if (!row.deleted) throw new HttpError(404, { code: "EVENT_NOT_FOUND", message: "no such laugh" });
      // Inside the transaction: if storage refuses, the row stays and the user can try again.
      if (row.clip_object_key !== null) await objects.deleteObject(config.CLIPS_BUCKET, row.clip_object_key);
    });
    return c.body(null, 204);
  });
  app.all("/events/:id", methodNotAllowed(["PATCH", "DELETE"]));

  app.post("/reprocess", async (c) => {
    const range = parseOrThrow(
      dateRange,
      parseJson(await c.req.text()),
      "INVALID_BODY",
      'expected { "from": "YYYY-MM-DD", "to": "YYYY-MM-DD" } (local dates, at most 366 days)',
    );
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ request_id: string; recordings: number }[]>`
        select request_id, recordings from user_api.request_reprocess(${range.from}::date, ${range.to}::date)`,
    ).catch(fromSql);
    return c.json({ requestId: row.request_id, recordings: row.recordings }, 202, {
      location: `/me/reprocess/${row.request_id}`,
    });
  });
  app.all("/reprocess", methodNotAllowed(["POST"]));
  app.get("/reprocess/:id", async (c) => {
    const id = parseOrThrow(uuid, c.req.param("id"), "INVALID_ID", "the request id must be a uuid");
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<
        {
          id: string;
          from_date: string;
          to_date: string;
          created_at: Date;
          recordings: number;
          queued: number;
          done: number;
          failed: number;
          finished: boolean;
        }[]
      >`select id, from_date::text as from_date, to_date::text as to_date, created_at, recordings, queued, done,
               failed, finished
        from user_api.reprocess_progress(${id}::uuid)`,
    );
    if (row === undefined)
      throw new HttpError(404, { code: "REQUEST_NOT_FOUND", message: "no such request" });
    const progress: ReprocessProgress = {
      requestId: row.id,
      from: row.from_date,
      to: row.to_date,
      createdAt: row.created_at.toISOString(),
      recordings: row.recordings,
      queued: row.queued,
      done: row.done,
      failed: row.failed,
      finished: row.finished,
    };
    return c.json(progress);
  });
  app.all("/reprocess/:id", methodNotAllowed(["GET"]));

  app.post("/process-today", async (c) => {
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ local_date: string; recordings: number }[]>`
        select local_date::text as local_date, recordings from user_api.process_today()`,
    ).catch(fromSql);
    return c.json({ localDate: row.local_date, recordings: row.recordings }, 202);
  });
  app.all("/process-today", methodNotAllowed(["POST"]));

  app.delete("/data", async (c) => {
    parseOrThrow(
      deleteAllBodySchema,
      parseJson(await c.req.text()),
      "CONFIRMATION_REQUIRED",
      `send { "confirm": "${DELETE_ALL_CONFIRMATION}" } to delete every recording, laugh and clip`,
    );
    const user = c.get("user");
    // Rows first (nothing new is dispatched for them), then the objects. The prefix comes from the
    // verified token, never from the request: one user's delete cannot reach another's folder.
    const [rows] = await asUser(
      sql,
      user,
      (tx) =>
        tx<
          { recordings: number; events: number }[]
        >`select recordings, events from user_api.delete_my_data()`,
    ).catch(fromSql);
    const prefix = `${user.sub}/`;
    const recordingObjects = await objects.deleteUnderPrefix(config.RECORDINGS_BUCKET, prefix);
    const clipObjects = await objects.deleteUnderPrefix(config.CLIPS_BUCKET, prefix);
    return c.json({
      recordings: rows.recordings,
      events: rows.events,
      objects: { recordings: recordingObjects, clips: clipObjects },
    });
  });
  app.all("/data", methodNotAllowed(["DELETE"]));

  return app;
}
