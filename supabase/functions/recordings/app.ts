/**
 * @module
 * User-facing recording uploads, two steps (the audio goes straight to storage, never through here):
 *
 * 1. `POST /recordings` `{ startedAt, endedAt, format: "ogg-opus" | "wav", sizeBytes, source? }` →
 *    201 `{ recordingId, objectKey, uploadUrl, uploadHeaders, uploadExpiresAt, localDate, timeZone }`.
 *    `uploadUrl` is a presigned PUT for `<user_id>/<local yyyy-mm-dd>/<recording_id>.<ext>` that binds
 *    `content-length` (the declared size) and `content-type`: send exactly `uploadHeaders` with it, and
 *    storage refuses any other length or type. The recording is `uploading`; nothing processes it yet.
 *    The range must start in 2000 or later, end by now (+10 min), not overlap another recording of the
 *    user, and stay within the user's 24-hour quota (MAX_DAILY_RECORDINGS, MAX_DAILY_BYTES).
 * 2. `POST /recordings/:id/uploaded` → checks the object (presigned HEAD: it exists, its size and type
 *    are the declared ones) and pins its ETag (the node processes only that object) → `pending` (or
 *    `queued` at once when its day was already swept) → 200 `{ recordingId, status }`. Idempotent.
 *
 * A recording larger than `MAX_RECORDING_BYTES` (set to the recordings bucket's `file_size_limit`) cannot be
 * one Storage object: `POST /recordings/parts` with the same body answers 200 `{ maxPartBytes, parts:
 * [{ startedAt, endedAt, estimatedBytes }] }`, consecutive time ranges to cut the audio at; the client
 * registers each cut as its own recording. `POST /recordings` with such a size answers 413
 * `RECORDING_TOO_LARGE` with the same plan in `details` (see split-plan.ts).
 *
 * Errors: 400 bad body, range or id (zod issues in `details`), 401 no/invalid user token, 403 no
 * profile, 404 no such recording for this user, 405, 409 `RECORDING_OVERLAP` / `UPLOAD_MISSING` /
 * `UPLOAD_SIZE_MISMATCH` / `UPLOAD_TYPE_MISMATCH`, 413 body over {@link MAX_REGISTER_BODY_BYTES} or `RECORDING_TOO_LARGE`,
 * 429 `QUOTA_EXCEEDED`.
 *
 * @example
 * ```ts
 * const res = await fetch(`${functionsUrl}/recordings`, {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${session.access_token}`, "content-type": "application/json" },
 *   body: JSON.stringify({ startedAt, endedAt, format: "ogg-opus", sizeBytes: file.size }),
 * });
 * const { recordingId, uploadUrl, uploadHeaders } = await res.json();
 * await fetch(uploadUrl, { method: "PUT", body: file, headers: uploadHeaders });
 * await fetch(`${functionsUrl}/recordings/${recordingId}/uploaded`, { method: "POST", headers: { authorization } });
 * ```
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { type Sql, sqlMessage, sqlState } from "../_shared/db.ts";
import { presignS3Url } from "../_shared/generated/s3/presign-v4.ts";
import {
  createErrorHandler,
  HttpError,
  methodNotAllowed,
  notFound,
  parseJson,
} from "../_shared/http-error.ts";
import { s3Credentials } from "../_shared/s3.ts";
import { userApiCors } from "../_shared/user-api-cors.ts";
import { requireUser, type UserVariables, type UserVerifier } from "../_shared/user-auth.ts";
import type { RecordingsConfig } from "./config.ts";
import { planParts, type SplitPlan, SplitPlanError } from "./split-plan.ts";

/** Longest recording accepted: one registration per wearable day at most. */
export const MAX_RECORDING_SPAN_MS = 24 * 3600 * 1000;
/** A registration is a few hundred bytes of JSON. */
export const MAX_REGISTER_BODY_BYTES = 16 * 1024;
/** The content-type each format is stored with (bound into the upload URL, checked on confirmation). */
export const CONTENT_TYPES = { "ogg-opus": "audio/ogg", wav: "audio/wav" } as const;

/**
 * An ISO instant in the years 2000–2999. Years outside it are refused here with a 400 (year 0000 would
 * otherwise reach PostgreSQL, which has no year 0, and come back as a 500).
 */
const plausibleInstant = z.iso.datetime({ offset: true }).refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 2000 && year <= 2999;
}, "must be in the years 2000 to 2999");

/** The body of `POST /recordings` and `POST /recordings/parts`. A size above the limit is not a schema error. */
export function registerRecordingSchema() {
  return z
    .object({
      /** UTC instant (ISO 8601 with an offset) the audio starts. */
      startedAt: plausibleInstant,
      endedAt: plausibleInstant,
      format: z.enum(["ogg-opus", "wav"]),
      sizeBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      source: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a short lower-case label, e.g. upload or wearable-v2")
        .optional(),
    })
    .refine((body) => Date.parse(body.endedAt) > Date.parse(body.startedAt), {
      message: "endedAt must be after startedAt",
      path: ["endedAt"],
    })
    .refine((body) => Date.parse(body.endedAt) - Date.parse(body.startedAt) <= MAX_RECORDING_SPAN_MS, {
      message: "a recording spans at most 24 hours; split longer ones",
      path: ["endedAt"],
    });
}
export type RegisterRecordingBody = z.infer<ReturnType<typeof registerRecordingSchema>>;

export interface RegisteredRecording {
  recordingId: string;
  objectKey: string;
  localDate: string;
  timeZone: string;
  uploadUrl: string;
  /** Send exactly these headers with the PUT: the URL's signature covers them. */
  uploadHeaders: { "content-length": string; "content-type": string };
  uploadExpiresAt: string;
}

export interface ConfirmedRecording {
  recordingId: string;
  status: string;
}

const recordingIdSchema = z.uuid({ error: "must be a recording id (uuid)" });

export interface RecordingsAppDeps {
  config: RecordingsConfig;
  sql: Sql;
  verifyUser: UserVerifier;
  fetch?: typeof fetch;
}

export function createRecordingsApp({ config, sql, verifyUser, fetch: doFetch = fetch }: RecordingsAppDeps) {
  const s3 = s3Credentials(config);
  const bodySchema = registerRecordingSchema();

  function parseBody(text: string): RegisterRecordingBody {
    const parsed = bodySchema.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new HttpError(400, {
        code: "INVALID_BODY",
        message: "expected { startedAt, endedAt, format: ogg-opus|wav, sizeBytes, source? }",
        details: parsed.error.issues,
      });
    }
    return parsed.data;
  }

  function splitPlan(body: RegisterRecordingBody): SplitPlan {
    try {
      return planParts({
        startedAtMs: Date.parse(body.startedAt),
        endedAtMs: Date.parse(body.endedAt),
        sizeBytes: body.sizeBytes,
        maxPartBytes: config.MAX_RECORDING_BYTES,
      });
    } catch (error) {
      if (!(error instanceof SplitPlanError)) throw error;
      throw new HttpError(400, { code: "INVALID_BODY", message: error.message, cause: error });
    }
  }

  const limitRegistrationBody = bodyLimit({
    maxSize: MAX_REGISTER_BODY_BYTES,
    onError: () => {
      throw new HttpError(413, {
        code: "BODY_TOO_LARGE",
        message: `a registration is at most ${MAX_REGISTER_BODY_BYTES} bytes of JSON`,
      });
    },
  });

  const app = new Hono<{ Variables: UserVariables }>().basePath("/recordings");
  app.onError(createErrorHandler("recordings"));
  app.notFound(notFound);
  // The page uploads from its own origin (README "Hosting the page").
  app.use("*", userApiCors());
  app.use("*", requireUser(verifyUser));

  app.post("/parts", limitRegistrationBody, async (c) =>
    c.json(splitPlan(parseBody(await c.req.text())), 200),
  );
  app.all("/parts", methodNotAllowed(["POST"]));

  app.post("/", limitRegistrationBody, async (c) => {
    const body = parseBody(await c.req.text());
    if (body.sizeBytes > config.MAX_RECORDING_BYTES) {
      throw new HttpError(413, {
        code: "RECORDING_TOO_LARGE",
        message:
          `Storage takes at most ${config.MAX_RECORDING_BYTES} bytes per object: cut the audio at the times in ` +
          "details.parts and register each part as its own recording (POST /recordings/parts gives the same plan)",
        details: splitPlan(body),
      });
    }
    const { sub: userId } = c.get("user");
    let row: { recording_id: string; object_key: string; local_date: string; time_zone: string };
    try {
      [row] = await sql<(typeof row)[]>`
        select recording_id, object_key, local_date::text as local_date, time_zone
        from queue.register_recording(${userId}::uuid, ${body.startedAt}::timestamptz, ${body.endedAt}::timestamptz,
                                      ${body.format}, ${body.sizeBytes}, ${body.source ?? "upload"},
                                      ${config.MAX_DAILY_RECORDINGS}, ${config.MAX_DAILY_BYTES})`;
    } catch (error) {
      throw registrationError(error);
    }
    const issuedAtMs = Date.now();
    const uploadHeaders = {
      "content-length": String(body.sizeBytes),
      "content-type": CONTENT_TYPES[body.format],
    };
    const uploadUrl = await presignS3Url(s3, {
      method: "PUT",
      bucket: config.RECORDINGS_BUCKET,
      key: row.object_key,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS,
      now: new Date(issuedAtMs),
      signedHeaders: uploadHeaders,
    });
    const result: RegisteredRecording = {
      recordingId: row.recording_id,
      objectKey: row.object_key,
      localDate: row.local_date,
      timeZone: row.time_zone,
      uploadUrl,
      uploadHeaders,
      uploadExpiresAt: new Date(issuedAtMs + config.UPLOAD_URL_TTL_SECONDS * 1000).toISOString(),
    };
    return c.json(result, 201, { location: `/recordings/${row.recording_id}` });
  });
  app.all("/", methodNotAllowed(["POST"]));

  app.post("/:id/uploaded", async (c) => {
    const id = recordingIdSchema.safeParse(c.req.param("id"));
    if (!id.success) {
      throw new HttpError(400, {
        code: "INVALID_ID",
        message: "the recording id must be a uuid",
        details: id.error.issues,
      });
    }
    const { sub: userId } = c.get("user");
    // Under the caller's own id: another user's recording is indistinguishable from a missing one.
    const [recording] = await sql<
      { object_key: string; size_bytes: string; status: string; format: string }[]
    >`
      select object_key, size_bytes::text as size_bytes, status, format from public.recordings
      where id = ${id.data} and user_id = ${userId}`;
    if (recording === undefined) {
      throw new HttpError(404, { code: "RECORDING_NOT_FOUND", message: "no such recording" });
    }
    let etag: string | null = null;
    if (recording.status === "uploading") {
      const headUrl = await presignS3Url(s3, {
        method: "HEAD",
        bucket: config.RECORDINGS_BUCKET,
        key: recording.object_key,
        expiresInSeconds: 60,
      });
      const head = await doFetch(headUrl, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
      if (head.status === 404) {
        throw new HttpError(409, {
          code: "UPLOAD_MISSING",
          message:
            "the audio is not in storage yet; PUT it to uploadUrl first (or register again if it expired)",
        });
      }
      if (!head.ok) throw new Error(`storage HEAD answered HTTP ${head.status}`);
      const storedBytes = Number(head.headers.get("content-length"));
      if (String(storedBytes) !== recording.size_bytes) {
        throw new HttpError(409, {
          code: "UPLOAD_SIZE_MISMATCH",
          message: `storage holds ${storedBytes} bytes but ${recording.size_bytes} were declared; upload the whole file`,
        });
      }
      const expectedType = CONTENT_TYPES[recording.format as keyof typeof CONTENT_TYPES];
      const storedType = head.headers.get("content-type");
      if (expectedType !== undefined && storedType !== expectedType) {
        throw new HttpError(409, {
          code: "UPLOAD_TYPE_MISMATCH",
          message: `storage holds content-type ${storedType ?? "(none)"} but ${expectedType} was expected; PUT with uploadHeaders`,
        });
      }
      etag = head.headers.get("etag");
      if (etag === null) throw new Error("storage HEAD answered without an ETag");
    }
    const [{ status }] = await sql<{ status: string }[]>`
      select queue.confirm_recording_upload(${id.data}::uuid, ${userId}::uuid, null, ${etag}) as status`;
    const result: ConfirmedRecording = { recordingId: id.data, status };
    return c.json(result, 200);
  });
  app.all("/:id/uploaded", methodNotAllowed(["POST"]));

  return app;
}

/** The database's refusals of a registration, as HTTP errors; anything else is rethrown. */
function registrationError(error: unknown): unknown {
  switch (sqlState(error)) {
    case "23503":
      return new HttpError(403, {
        code: "PROFILE_NOT_FOUND",
        message: "this account has no profile; finish signing up first",
        cause: error,
      });
    case "22023":
      return new HttpError(400, { code: "INVALID_RANGE", message: sqlMessage(error), cause: error });
    case "GQ011":
      return new HttpError(409, {
        code: "RECORDING_OVERLAP",
        message: `${sqlMessage(error)}; one wearer has one timeline: register each stretch of audio once`,
        cause: error,
      });
    case "GQ012":
      return new HttpError(429, {
        code: "QUOTA_EXCEEDED",
        message: `${sqlMessage(error)}; try again later`,
        cause: error,
        headers: { "retry-after": "3600" },
      });
    default:
      return error;
  }
}
