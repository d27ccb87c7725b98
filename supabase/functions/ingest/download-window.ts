/**
 * @module
 * One claimed window: decrypt the user's key, ask Limitless for the window's audio, and settle the job
 * in SQL according to the answer (the contract is in _shared/generated/limitless/limitless-contract.ts):
 *
 * | upstream | what happens |
 * | --- | --- |
 * | 200 | body streamed into the recordings bucket (multipart, bounded memory), checked (Ogg magic, bytes = Content-Length, stored size), then `queue.complete_ingest` registers the recording and queues detection |
 * | 404 | `queue.ingest_no_audio`: no audio yet; re-asked by later sweeps for 72 h |
 * | 401/403 | `queue.ingest_key_rejected`: key marked invalid, the job waits (attempt given back) |
 * | 429 | `queue.release` until Retry-After (attempt given back); the invocation stops claiming |
 * | 5xx, network, timeout, bad body | `queue.fail` (retryable): backoff, dead-lettered after the last attempt |
 *
 * Nothing about the key reaches a log line: only job and window ids, statuses and error codes.
 */
import type { Sql } from "../_shared/db.ts";
import { type Keyring, openApiKey } from "../_shared/generated/limitless/api-key-crypto.ts";
import {
  classifyDownloadStatus,
  downloadAudioUrl,
  hasOggMagic,
  LIMITLESS_KEY_HEADER,
  retryAfterSeconds,
} from "../_shared/generated/limitless/limitless-contract.ts";
import type { S3Credentials } from "../_shared/generated/s3/presign-v4.ts";
import type { PartBufferPool } from "./part-buffer-pool.ts";
import { BadAudioError, type MultipartTarget, storedSize, uploadStream } from "./s3-multipart.ts";

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
  key_id: string;
  ciphertext: Uint8Array;
  iv: Uint8Array;
  kek_version: number;
}

export type WindowOutcome = "downloaded" | "no_audio" | "key_invalid" | "rate_limited" | "retry" | "dead";

export interface WindowResult {
  jobId: string;
  windowId: string;
  outcome: WindowOutcome;
  sizeBytes?: number;
  error?: string;
  /** For 429: how long the job waits. */
  retryAfterSeconds?: number;
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
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  fetch?: typeof fetch;
}

/** Default wait after a 429 without Retry-After, and the longest wait honoured. */
const DEFAULT_RATE_LIMIT_SECONDS = 60;
const MAX_RATE_LIMIT_SECONDS = 3600;

function describe(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "UPSTREAM_TIMEOUT: the download took too long";
  }
  if (error instanceof BadAudioError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return /^[A-Z_]+:/.test(message) ? message : `NETWORK_ERROR: ${message}`;
}

async function fail(window: ClaimedWindow, error: string, ctx: DownloadContext): Promise<WindowResult> {
  const [{ result }] = await ctx.sql<{ result: { status: string } }[]>`
    select queue.fail(${window.job_id}::bigint, ${window.lease_token}::uuid, ${error}, true, '{}'::jsonb,
                      ${`${ctx.backoffBaseSeconds} seconds`}::interval,
                      ${`${ctx.backoffMaxSeconds} seconds`}::interval) as result`;
  return {
    jobId: window.job_id,
    windowId: window.window_id,
    outcome: result.status === "dead" ? "dead" : "retry",
    error,
  };
}

export async function downloadWindow(window: ClaimedWindow, ctx: DownloadContext): Promise<WindowResult> {
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
      { headers: { [LIMITLESS_KEY_HEADER]: apiKey, accept: "audio/ogg" }, signal },
    );
  } catch (error) {
    return await fail(window, describe(error), ctx);
  }

  const answer = classifyDownloadStatus(res.status);
  if (answer !== "audio") await res.body?.cancel().catch(() => {});
  switch (answer) {
    case "no_audio":
      await ctx.sql`select queue.ingest_no_audio(${window.job_id}::bigint, ${window.lease_token}::uuid)`;
      return { ...base, outcome: "no_audio" };
    case "key_invalid":
      await ctx.sql`select queue.ingest_key_rejected(${window.job_id}::bigint, ${window.lease_token}::uuid,
                                                     ${window.key_id}::uuid)`;
      return { ...base, outcome: "key_invalid", error: `KEY_INVALID: HTTP ${res.status}` };
    case "rate_limited": {
      const wait = Math.min(
        retryAfterSeconds(res.headers.get("retry-after")) ?? DEFAULT_RATE_LIMIT_SECONDS,
        MAX_RATE_LIMIT_SECONDS,
      );
      await ctx.sql`select queue.release(${window.job_id}::bigint, ${window.lease_token}::uuid,
                                         ${`${wait} seconds`}::interval)`;
      return { ...base, outcome: "rate_limited", retryAfterSeconds: wait };
    }
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
  let sizeBytes: number;
  try {
    if (res.body === null) throw new BadAudioError("EMPTY_BODY", "upstream sent 200 with no body");
    const uploaded = await uploadStream(res.body, target, {
      isValidHead: hasOggMagic,
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
    return await fail(window, describe(error), ctx);
  }
  await ctx.sql`select queue.complete_ingest(${window.job_id}::bigint, ${window.lease_token}::uuid, ${sizeBytes})`;
  return { ...base, outcome: "downloaded", sizeBytes };
}
