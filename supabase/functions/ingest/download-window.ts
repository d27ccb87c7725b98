/**
 * @module
 * One claimed window: decrypt the user's key, ask Limitless for the window's audio, and settle the job
 * in SQL according to the answer (the contract is in _shared/generated/limitless/limitless-contract.ts):
 *
 * | upstream | what happens |
 * | --- | --- |
 * | 200 | body streamed into the recordings bucket (multipart, bounded memory) and checked on the way (Ogg Opus pages whole and in order, ending on an end-of-stream page; at most the window's byte cap; bytes = Content-Length; duration from the last granule no longer than the window ; stored size), then `queue.complete_ingest` registers the recording and queues detection. A short window asked again: only a longer answer replaces the object (and detection re-runs); an equal or shorter one is not stored (`queue.ingest_unchanged`) |
 * | 404 | `queue.ingest_no_audio`: no audio yet; re-asked by later sweeps for 72 h |
 * | 401 / 403 | `queue.ingest_key_rejected` (invalid / forbidden): the job waits (attempt given back), the key is probed again later |
 * | 429 | `queue.ingest_rate_limited`: that key waits `Retry-After` (or the body's `retryAfter`); other keys go on |
 * | 400 | `queue.ingest_failed` permanent: dead at once (`UPSTREAM_400`) |
 * | 3xx | never followed (the key would go to another host): retryable `UPSTREAM_REDIRECT` |
 * | 5xx, network, timeout, bad body | `queue.ingest_failed` (retryable): backoff over days, dead after the last attempt, revived by the planner |
 *
 * Nothing about the key reaches a log line: only job and window ids, statuses and error codes.
 */
import { type Sql, sqlMessage, sqlState } from "../_shared/db.ts";
import { type Keyring, openApiKey } from "../_shared/generated/limitless/api-key-crypto.ts";
import {
  classifyDownloadStatus,
  downloadAudioUrl,
  LIMITLESS_KEY_HEADER,
  rateLimitSeconds,
} from "../_shared/generated/limitless/limitless-contract.ts";
import type { S3Credentials } from "../_shared/generated/s3/presign-v4.ts";
import { windowByteCap } from "./limits.ts";
import { OggOpusCheck } from "./ogg-check.ts";
import type { PartBufferPool } from "./part-buffer-pool.ts";
import {
  BadAudioError,
  deleteObject,
  type MultipartTarget,
  storedSize,
  uploadStream,
} from "./s3-multipart.ts";

/** A row of `queue.claim_ingest(...)`. postgres.js returns bigint as a string of digits. */
export interface ClaimedWindow {
  job_id: string;
  lease_token: string;
  attempt: number;
  max_attempts: number;
  window_id: string;
  user_id: string;
  starts_at: Date;
  ends_at: Date;
  object_key: string;
  /** Duration of the audio stored for this window: set when a short window is asked again. */
  audio_ms: number | null;
  key_id: string;
  /** The key's state when claimed: a non-valid key is being probed again. */
  key_status: "valid" | "invalid" | "forbidden";
  ciphertext: Uint8Array;
  iv: Uint8Array;
  kek_version: number;
}

export type WindowOutcome =
  | "downloaded"
  | "no_audio"
  | "key_invalid"
  | "rate_limited"
  | "retry"
  | "dead"
  | "dropped"
  | "unchanged";

export interface WindowResult {
  jobId: string;
  windowId: string;
  outcome: WindowOutcome;
  sizeBytes?: number;
  error?: string;
  /** For 429: how long the job waits. */
  retryAfterSeconds?: number;
  /** Duration of the stored audio. */
  durationMs?: number;
}

export interface DownloadContext {
  sql: Sql;
  keyring: Keyring;
  limitlessUrl: string;
  s3: S3Credentials;
  bucket: string;
  partBytes: number;
  /** The isolate's part buffers, reused from window to window. */
  partBuffers: PartBufferPool;
  downloadTimeoutMs: number;
  storageTimeoutMs: number;
  /** A window's byte cap is its length at this many times the pendant's bitrate (limits.ts). */
  maxBitrateFactor: number;
  fetch?: typeof fetch;
}

/** Default wait after a 429 without Retry-After, and the longest wait honoured. */
const DEFAULT_RATE_LIMIT_SECONDS = 60;
const MAX_RATE_LIMIT_SECONDS = 3600;
/** Audio may run this much longer than its window (encoder padding, clock rounding upstream). */
const DURATION_TOLERANCE_MS = 60_000;
/** A short window asked again is replaced only by an answer at least this much longer. */
const GROWTH_MS = 1000;

/** Thrown before completing the upload of a re-asked window that brought no more audio. */
class UnchangedAudio extends Error {}
/** Bytes of a non-audio answer body read for its message (a 429's retryAfter). */
const ERROR_BODY_BYTES = 4096;

async function readSmallBody(res: Response): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < ERROR_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.subarray(0, ERROR_BODY_BYTES));
}

function describe(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "UPSTREAM_TIMEOUT: the download took too long";
  }
  if (error instanceof BadAudioError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return /^[A-Z_]+:/.test(message) ? message : `NETWORK_ERROR: ${message}`;
}

async function fail(
  window: ClaimedWindow,
  error: string,
  ctx: DownloadContext,
  retryable = true,
): Promise<WindowResult> {
  const [{ result }] = await ctx.sql<{ result: { status: string } }[]>`
    select queue.ingest_failed(${window.job_id}::bigint, ${window.lease_token}::uuid, ${error},
                               ${retryable}) as result`;
  return {
    jobId: window.job_id,
    windowId: window.window_id,
    outcome: result.status === "dead" ? "dead" : "retry",
    error,
  };
}

/**
 * Downloads one claimed window and settles its job. Delete-all removes the user's jobs with their windows
 * (`user_api.delete_my_data`), also a job whose download is running: whatever Limitless answered then
 * (audio, a timeout, a 5xx, a 404…), settling it finds no job (`GQ001`) and the download is dropped —
 * never an error. A download that stored audio first deletes its object (`refused`).
 */
export async function downloadWindow(window: ClaimedWindow, ctx: DownloadContext): Promise<WindowResult> {
  try {
    return await downloadAndSettle(window, ctx);
  } catch (error) {
    if (sqlState(error) !== "GQ001") throw error;
    return { jobId: window.job_id, windowId: window.window_id, outcome: "dropped", error: sqlMessage(error) };
  }
}

async function downloadAndSettle(window: ClaimedWindow, ctx: DownloadContext): Promise<WindowResult> {
  const base = { jobId: window.job_id, windowId: window.window_id };
  let apiKey: string;
  try {
    apiKey = await openApiKey(ctx.keyring, window.user_id, {
      ciphertext: new Uint8Array(window.ciphertext),
      iv: new Uint8Array(window.iv),
      kekVersion: window.kek_version,
    });
  } catch (cause) {
    return await fail(
      window,
      `KEY_UNREADABLE: ${cause instanceof Error ? cause.message : "decrypt failed"}`,
      ctx,
    );
  }

  const signal = AbortSignal.timeout(ctx.downloadTimeoutMs);
  let res: Response;
  try {
    res = await (ctx.fetch ?? fetch)(
      downloadAudioUrl(ctx.limitlessUrl, window.starts_at.getTime(), window.ends_at.getTime()),
      // A redirect is answered, never followed: following it would send the key to whatever host it names.
      { headers: { [LIMITLESS_KEY_HEADER]: apiKey, accept: "audio/ogg" }, signal, redirect: "manual" },
    );
  } catch (error) {
    return await fail(window, describe(error), ctx);
  }

  const answer = classifyDownloadStatus(res.status);
  const errorBody = answer === "rate_limited" ? await readSmallBody(res).catch(() => "") : "";
  if (answer !== "audio") await res.body?.cancel().catch(() => {});
  // A probe of an invalid or forbidden key that Limitless answered with audio or 404: the key works again
  // (a 5xx or a redirect says nothing about the key; the next probe comes after key_recheck_every).
  if (window.key_status !== "valid" && (answer === "audio" || answer === "no_audio")) {
    await ctx.sql`select queue.limitless_key_accepted(${window.key_id}::uuid)`;
  }
  switch (answer) {
    case "no_audio":
      await ctx.sql`select queue.ingest_no_audio(${window.job_id}::bigint, ${window.lease_token}::uuid)`;
      return { ...base, outcome: "no_audio" };
    case "key_invalid":
    case "key_forbidden": {
      const state = answer === "key_invalid" ? "invalid" : "forbidden";
      await ctx.sql`select queue.ingest_key_rejected(${window.job_id}::bigint, ${window.lease_token}::uuid,
                                                     ${window.key_id}::uuid, ${state})`;
      return { ...base, outcome: "key_invalid", error: `KEY_${state.toUpperCase()}: HTTP ${res.status}` };
    }
    case "rate_limited": {
      const wait = Math.min(
        rateLimitSeconds(res.headers.get("retry-after"), errorBody) ?? DEFAULT_RATE_LIMIT_SECONDS,
        MAX_RATE_LIMIT_SECONDS,
      );
      await ctx.sql`select queue.ingest_rate_limited(${window.job_id}::bigint, ${window.lease_token}::uuid,
                                                     ${window.key_id}::uuid, ${`${wait} seconds`}::interval)`;
      return { ...base, outcome: "rate_limited", retryAfterSeconds: wait };
    }
    case "bad_request":
      return await fail(window, `UPSTREAM_400: Limitless refused the request (HTTP 400)`, ctx, false);
    case "redirect":
      return await fail(
        window,
        `UPSTREAM_REDIRECT: HTTP ${res.status} refused (the key is never sent to a redirect target)`,
        ctx,
      );
    case "transient":
      return await fail(
        window,
        `UPSTREAM_${res.status >= 500 ? "5XX" : "UNEXPECTED"}: HTTP ${res.status}`,
        ctx,
      );
    case "audio":
      break;
  }

  const target: MultipartTarget = {
    s3: ctx.s3,
    bucket: ctx.bucket,
    key: window.object_key,
    partBytes: ctx.partBytes,
    partBuffers: ctx.partBuffers,
    timeoutMs: ctx.storageTimeoutMs,
    ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
  };
  const announced = res.headers.get("content-length");
  const spanMs = window.ends_at.getTime() - window.starts_at.getTime();
  const ogg = new OggOpusCheck();
  let durationMs = 0;
  let sizeBytes: number;
  try {
    if (res.body === null) throw new BadAudioError("EMPTY_BODY", "upstream sent 200 with no body");
    const uploaded = await uploadStream(res.body, target, {
      maxBytes: windowByteCap(spanMs, ctx.maxBitrateFactor),
      inspect: ogg,
      beforeComplete: () => {
        durationMs = ogg.end().durationMs;
        checkDuration(durationMs, spanMs);
        // Asked again: the stored object stays unless this answer has more audio.
        if (window.audio_ms !== null && durationMs < window.audio_ms + GROWTH_MS) {
          throw new UnchangedAudio(`${durationMs} ms of audio, ${window.audio_ms} ms stored`);
        }
      },
      ...(announced !== null && /^\d+$/.test(announced) ? { expectedBytes: Number(announced) } : {}),
    });
    const stored = await storedSize(target);
    if (stored !== uploaded.sizeBytes) {
      throw new Error(
        `STORAGE_FAILED: storage holds ${stored ?? "no"} bytes, ${uploaded.sizeBytes} were sent`,
      );
    }
    sizeBytes = uploaded.sizeBytes;
  } catch (error) {
    if (error instanceof UnchangedAudio) {
      await ctx.sql`select queue.ingest_unchanged(${window.job_id}::bigint, ${window.lease_token}::uuid,
                                                  ${`UNCHANGED: ${error.message}`})`;
      return { ...base, outcome: "unchanged", durationMs };
    }
    return await fail(window, describe(error), ctx);
  }
  try {
    await ctx.sql`select queue.complete_ingest(${window.job_id}::bigint, ${window.lease_token}::uuid,
                                               ${sizeBytes}, ${durationMs})`;
  } catch (error) {
    return await refused(window, target, error, ctx);
  }
  return { ...base, outcome: "downloaded", sizeBytes, durationMs };
}

/** Refuses audio longer than its window. */
function checkDuration(durationMs: number, spanMs: number): void {
  if (durationMs > spanMs + DURATION_TOLERANCE_MS) {
    throw new BadAudioError("DURATION_MISMATCH", `${durationMs} ms of audio in a window of ${spanMs} ms`);
  }
}

/**
 * `complete_ingest` refused the stored audio: the user's data is gone (their key, or the window and its
 * job: delete-all ran during the download) or another recording covers the window. The object is
 * deleted so nothing of it stays; an overlapping window's job is dead (it can never be registered).
 * If that DELETE fails while the job still exists, the error leaves the job leased (the reaper returns it
 * and a later try uploads and deletes again); with the job gone nothing would try again, so the object is
 * queued for dispatch to delete (`queue.discard_ingest_object`).
 */
async function refused(
  window: ClaimedWindow,
  target: MultipartTarget,
  error: unknown,
  ctx: DownloadContext,
): Promise<WindowResult> {
  const state = sqlState(error);
  // GQ001: the job (and its window) is gone; GQ007: the user's key is gone; GQ011: overlap.
  // Any refusal leaves no object behind: the recording was not created, and a retried window uploads again.
  try {
    await deleteObject(target);
  } catch (deleteError) {
    if (state !== "GQ001") throw deleteError;
    await ctx.sql`select queue.discard_ingest_object(${window.object_key})`;
  }
  if (state !== "GQ001" && state !== "GQ007" && state !== "GQ011") throw error;
  const message = sqlMessage(error);
  if (state === "GQ011") return await fail(window, message, ctx, false);
  // The window waits for a new key; after delete-all its job is gone too (GQ001, dropped by downloadWindow).
  if (state === "GQ007") {
    await ctx.sql`select queue.release(${window.job_id}::bigint, ${window.lease_token}::uuid)`;
  }
  return { jobId: window.job_id, windowId: window.window_id, outcome: "dropped", error: message };
}
