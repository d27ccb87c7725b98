/**
 * @module
 * User-facing recording uploads, two steps (the audio goes straight to storage, never through here):
 *
 * 1. `POST /recordings` `{ startedAt, endedAt, format: "ogg-opus" | "wav", sizeBytes, source? }` →
 *    201 `{ recordingId, objectKey, uploadUrl, uploadExpiresAt, localDate, timeZone }`. `uploadUrl` is a
 *    presigned PUT for `<user_id>/<local yyyy-mm-dd>/<recording_id>.<ext>`; the recording is `uploading`
 *    and nothing processes it yet.
 * 2. `POST /recordings/:id/uploaded` → checks the object (presigned HEAD: it exists, its size is the
 *    declared one) → `pending` (or `queued` at once when its day was already swept) → 200
 *    `{ recordingId, status }`. Idempotent.
 *
 * A recording larger than `MAX_RECORDING_BYTES` (set to the recordings bucket's `file_size_limit`) cannot be
 * one Storage object: `POST /recordings/parts` with the same body answers 200 `{ maxPartBytes, parts:
 * [{ startedAt, endedAt, estimatedBytes }] }`, consecutive time ranges to cut the audio at; the client
 * registers each cut as its own recording. `POST /recordings` with such a size answers 413
 * `RECORDING_TOO_LARGE` with the same plan in `details` (see split-plan.ts).
 *
 * Errors: 400 bad body or id (zod issues in `details`), 401 no/invalid user token, 403 no profile,
 * 404 no such recording for this user, 405, 409 `UPLOAD_MISSING` / `UPLOAD_SIZE_MISMATCH`, 413.
 *
 * @example
 * ```ts
 * const res = await fetch(`${functionsUrl}/recordings`, {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${session.access_token}`, "content-type": "application/json" },
 *   body: JSON.stringify({ startedAt, endedAt, format: "ogg-opus", sizeBytes: file.size }),
 * });
 * const { recordingId, uploadUrl } = await res.json();
 * await fetch(uploadUrl, { method: "PUT", body: file });
 * await fetch(`${functionsUrl}/recordings/${recordingId}/uploaded`, { method: "POST", headers: { authorization } });
 * ```
 */
import { Hono } from "hono";
import { z } from "zod";
import { type Sql, sqlState } from "../_shared/db.ts";
import { presignS3Url } from "../_shared/generated/s3/presign-v4.ts";
import {
  createErrorHandler,
  HttpError,
  methodNotAllowed,
  notFound,
  parseJson,
} from "../_shared/http-error.ts";
import { s3Credentials } from "../_shared/s3.ts";
import { requireUser, type UserVariables, type UserVerifier } from "../_shared/user-auth.ts";
import type { RecordingsConfig } from "./config.ts";
import { planParts, type SplitPlan, SplitPlanError } from "./split-plan.ts";

/** Longest recording accepted: one registration per wearable day at most. */
export const MAX_RECORDING_SPAN_MS = 24 * 3600 * 1000;

/** The body of `POST /recordings` and `POST /recordings/parts`. A size above the limit is not a schema error. */
export function registerRecordingSchema() {
  return z
    .object({
      /** UTC instant (ISO 8601 with an offset) the audio starts. */
      startedAt: z.iso.datetime({ offset: true }),
      endedAt: z.iso.datetime({ offset: true }),
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

  const app = new Hono<{ Variables: UserVariables }>().basePath("/recordings");
  app.onError(createErrorHandler("recordings"));
  app.notFound(notFound);
  app.use("*", requireUser(verifyUser));

  app.post("/parts", async (c) => c.json(splitPlan(parseBody(await c.req.text())), 200));
  app.all("/parts", methodNotAllowed(["POST"]));

  app.post("/", async (c) => {
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
                                      ${body.format}, ${body.sizeBytes}, ${body.source ?? "upload"})`;
    } catch (error) {
      if (sqlState(error) === "23503") {
        throw new HttpError(403, {
          code: "PROFILE_NOT_FOUND",
          message: "this account has no profile; finish signing up first",
          cause: error,
        });
      }
      throw error;
    }
    const issuedAtMs = Date.now();
    const uploadUrl = await presignS3Url(s3, {
      method: "PUT",
      bucket: config.RECORDINGS_BUCKET,
      key: row.object_key,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS,
      now: new Date(issuedAtMs),
    });
    const result: RegisteredRecording = {
      recordingId: row.recording_id,
      objectKey: row.object_key,
      localDate: row.local_date,
      timeZone: row.time_zone,
      uploadUrl,
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
    const [recording] = await sql<{ object_key: string; size_bytes: string; status: string }[]>`
      select object_key, size_bytes::text as size_bytes, status from public.recordings
      where id = ${id.data} and user_id = ${userId}`;
    if (recording === undefined) {
      throw new HttpError(404, { code: "RECORDING_NOT_FOUND", message: "no such recording" });
    }
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
    }
    const [{ status }] = await sql<{ status: string }[]>`
      select queue.confirm_recording_upload(${id.data}::uuid, ${userId}::uuid) as status`;
    const result: ConfirmedRecording = { recordingId: id.data, status };
    return c.json(result, 200);
  });
  app.all("/:id/uploaded", methodNotAllowed(["POST"]));

  return app;
}
