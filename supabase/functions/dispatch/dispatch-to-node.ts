/**
 * @module
 * One node's share of a dispatch run: ask how much room it has, lease that many jobs, presign their
 * audio, deliver them signed. A job stays leased only when the node took it (202); on 429, 5xx, a
 * network error or a timeout every claimed job is released without burning an attempt (ack only after
 * success, STYLE.md rule 8).
 */
import { z } from "zod";
import type { Sql } from "../_shared/db.ts";
import { sqlMessage, sqlState } from "../_shared/db.ts";
import { presignS3Url, type S3Credentials } from "../_shared/generated/s3/presign-v4.ts";
import {
  type InferJob,
  type InferRequest,
  inferAcceptedSchema,
  MAX_JOBS_PER_REQUEST,
} from "../_shared/generated/schemas/infer-request.ts";
import { signRequest } from "../_shared/generated/signing/hmac-signature.ts";

/** The part of the node's `GET /readyz` answer the dispatcher relies on. */
export const readyzSchema = z.object({
  ready: z.boolean(),
  capacity: z.object({ free: z.number().int().nonnegative() }),
});

/** A row of `queue.claim(...)`. postgres.js returns bigint as a string of digits. */
export interface ClaimedJob {
  job_id: string;
  lease_token: string;
  lease_expires_at: Date;
  user_id: string;
  recording_id: string;
  object_key: string;
  format: string;
  started_at: Date;
}

export interface NodeSummary {
  url: string;
  /** `capacity.free` from /readyz (0 when unreachable or not ready). */
  free: number;
  claimed: number;
  /** Taken by the node: accepted + duplicates (a redelivered lease it already had). */
  accepted: number;
  duplicates: number;
  released: number;
  /** Present when the node could not take the jobs; says why. */
  error?: string;
  wallMs: number;
}

export interface DispatchContext {
  sql: Sql;
  s3: S3Credentials;
  recordingsBucket: string;
  nodeSecret: string;
  reportUrl: string;
  leaseSeconds: number;
  nodeTimeoutMs: number;
  /** Aborts when the run's budget is spent. */
  budget: AbortSignal;
  /** Takes up to `wanted` from the run's remaining job allowance; returns how many were granted. */
  reserve: (wanted: number) => number;
  /** Gives back an unused part of a reservation. */
  giveBack: (count: number) => void;
  fetch?: typeof fetch;
}

/** Upper bound on the node's Retry-After we honour when releasing (the kick runs every minute). */
const MAX_RELEASE_DELAY_SECONDS = 300;

const AUDIO_FORMATS_FOR_NODE = new Set(["wav", "ogg-opus", "ogg-vorbis", "flac", "mp3"]);

function nodeEndpoint(base: string, path: string): URL {
  return new URL(path, base.endsWith("/") ? base : `${base}/`);
}

function timeoutSignal(ctx: DispatchContext): AbortSignal {
  return AbortSignal.any([AbortSignal.timeout(ctx.nodeTimeoutMs), ctx.budget]);
}

function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "timed out";
  }
  return error instanceof Error ? error.message : String(error);
}

export async function dispatchToNode(url: string, ctx: DispatchContext): Promise<NodeSummary> {
  const started = performance.now();
  const doFetch = ctx.fetch ?? fetch;
  const summary: NodeSummary = {
    url,
    free: 0,
    claimed: 0,
    accepted: 0,
    duplicates: 0,
    released: 0,
    wallMs: 0,
  };
  const finish = (error?: string): NodeSummary => {
    if (error !== undefined) summary.error = error;
    summary.wallMs = Math.round(performance.now() - started);
    return summary;
  };

  // 1. How much room does the node have?
  let free: number;
  try {
    const res = await doFetch(nodeEndpoint(url, "readyz"), { signal: timeoutSignal(ctx) });
    const body = await res.json().catch(() => undefined);
    const parsed = readyzSchema.safeParse(body);
    if (!res.ok || !parsed.success || !parsed.data.ready) {
      const reasons = (body as { reasons?: unknown } | undefined)?.reasons;
      return finish(
        `NODE_NOT_READY: HTTP ${res.status}${Array.isArray(reasons) ? ` ${reasons.join(",")}` : ""}`,
      );
    }
    free = parsed.data.capacity.free;
  } catch (error) {
    return finish(`NODE_UNREACHABLE: GET /readyz ${describeFetchError(error)}`);
  }
  summary.free = free;
  const granted = ctx.reserve(Math.min(free, MAX_JOBS_PER_REQUEST));
  if (granted === 0) return finish();

  // 2. Lease that many jobs (never more than the node said it can take).
  const jobs = await ctx.sql<ClaimedJob[]>`
    select job_id, lease_token, lease_expires_at, user_id, recording_id, object_key, format, started_at
    from queue.claim(${granted}, ${`${ctx.leaseSeconds} seconds`}::interval, ${url})`;
  ctx.giveBack(granted - jobs.length);
  summary.claimed = jobs.length;
  if (jobs.length === 0) return finish();

  // 3. Deliver; from here on every path either leaves a job with the node or releases it.
  let taken = new Set<string>();
  let releaseDelaySeconds = 0;
  let error: string | undefined;
  let batch: InferRequest | undefined;
  try {
    const pinned = await recordingDetails(jobs, ctx.sql);
    batch = {
      jobs: await Promise.all(jobs.map((job) => toInferJob(job, pinned.get(job.recording_id), ctx))),
    };
  } catch (cause) {
    error = `PRESIGN_FAILED: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  if (batch !== undefined) {
    try {
      const delivery = await deliver(url, batch, ctx);
      taken = delivery.taken;
      summary.accepted = delivery.accepted;
      summary.duplicates = delivery.duplicates;
      releaseDelaySeconds = delivery.releaseDelaySeconds;
      error = delivery.error;
    } catch (cause) {
      // A timeout is ambiguous (the node may have queued the batch). Releasing is still right: a later
      // claim gets a fresh lease, and the old lease's report is refused with GQ002 (harmless).
      error = `NODE_UNREACHABLE: POST /infer ${describeFetchError(cause)}`;
    }
  }

  for (const job of jobs) {
    if (taken.has(job.job_id)) continue;
    try {
      await ctx.sql`select queue.release(${job.job_id}::bigint, ${job.lease_token}::uuid,
                                         ${`${releaseDelaySeconds} seconds`}::interval)`;
      summary.released++;
    } catch (releaseError) {
      // GQ002/GQ004: the lease moved on (reaped, reprocessed, or the node reported already). Nothing to give back.
      const state = sqlState(releaseError);
      if (state !== "GQ002" && state !== "GQ004" && state !== "GQ001") throw releaseError;
      console.warn(
        JSON.stringify({
          level: "warn",
          event: "release_skipped",
          jobId: job.job_id,
          code: state,
          message: sqlMessage(releaseError),
        }),
      );
    }
  }
  return finish(error);
}

interface Delivery {
  /** Job ids the node took (accepted or already had). */
  taken: Set<string>;
  accepted: number;
  duplicates: number;
  /** How long released jobs wait (the node's Retry-After, capped). */
  releaseDelaySeconds: number;
  error?: string;
}

/** POST /infer, signed; throws only for network errors and timeouts. */
async function deliver(url: string, batch: InferRequest, ctx: DispatchContext): Promise<Delivery> {
  const body = JSON.stringify(batch);
  const endpoint = nodeEndpoint(url, "infer");
  const headers = {
    "content-type": "application/json",
    ...(await signRequest(ctx.nodeSecret, { method: "POST", url: endpoint, body })),
  };
  const res = await (ctx.fetch ?? fetch)(endpoint, {
    method: "POST",
    body,
    headers,
    signal: timeoutSignal(ctx),
  });
  if (res.status === 202) {
    const answer = inferAcceptedSchema.safeParse(await res.json().catch(() => undefined));
    if (!answer.success) {
      return {
        taken: new Set(),
        accepted: 0,
        duplicates: 0,
        releaseDelaySeconds: 0,
        error: "NODE_BAD_ANSWER: 202 without a valid {accepted, duplicates} body",
      };
    }
    const { accepted, duplicates } = answer.data;
    return {
      taken: new Set([...accepted, ...duplicates]),
      accepted: accepted.length + duplicates.length,
      duplicates: duplicates.length,
      releaseDelaySeconds: 0,
    };
  }
  const retryAfter = Number(res.headers.get("retry-after"));
  const releaseDelaySeconds =
    Number.isFinite(retryAfter) && retryAfter > 0
      ? Math.min(Math.ceil(retryAfter), MAX_RELEASE_DELAY_SECONDS)
      : 0;
  const code = ((await res.json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined)
    ?.error?.code;
  const label = res.status === 429 ? "NODE_BUSY" : "NODE_REJECTED";
  return {
    taken: new Set(),
    accepted: 0,
    duplicates: 0,
    releaseDelaySeconds,
    error: `${label}: HTTP ${res.status}${typeof code === "string" ? ` ${code}` : ""}`,
  };
}

/** What the node checks the audio against: the confirmed ETag and the declared duration. */
interface RecordingDetails {
  audio_etag: string | null;
  declared_ms: number;
}

async function recordingDetails(jobs: ClaimedJob[], sql: Sql): Promise<Map<string, RecordingDetails>> {
  const rows = await sql<(RecordingDetails & { id: string })[]>`
    select id, audio_etag, (extract(epoch from ended_at - started_at) * 1000)::float8 as declared_ms
    from public.recordings where id in ${sql(jobs.map((job) => job.recording_id))}`;
  return new Map(rows.map((row) => [row.id, row]));
}

async function toInferJob(
  job: ClaimedJob,
  details: RecordingDetails | undefined,
  ctx: DispatchContext,
): Promise<InferJob> {
  const leaseExpiresMs = job.lease_expires_at.getTime();
  // The URL must not outlive the lease: after it the job belongs to someone else.
  const expiresInSeconds = Math.max(
    1,
    Math.min(ctx.leaseSeconds, Math.floor((leaseExpiresMs - Date.now()) / 1000)),
  );
  const audioUrl = await presignS3Url(ctx.s3, {
    method: "GET",
    bucket: ctx.recordingsBucket,
    key: job.object_key,
    expiresInSeconds,
  });
  return {
    jobId: job.job_id,
    leaseToken: job.lease_token,
    audioUrl,
    recordingStartedAt: job.started_at.toISOString(),
    format: AUDIO_FORMATS_FOR_NODE.has(job.format) ? (job.format as InferJob["format"]) : "auto",
    clipKeyPrefix: `${job.user_id}/${job.recording_id}/`,
    callbackUrl: ctx.reportUrl,
    deadline: new Date(leaseExpiresMs).toISOString(),
    ...(details?.audio_etag ? { audioEtag: details.audio_etag } : {}),
    ...(details !== undefined && details.declared_ms >= 1
      ? { declaredDurationMs: Math.round(details.declared_ms) }
      : {}),
  };
}
