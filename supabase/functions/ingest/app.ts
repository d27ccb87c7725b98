/**
 * @module
 * `POST /ingest`: the pg_cron kick (`queue.kick_ingest()`, `Authorization: Bearer <INGEST_TOKEN>`) wakes
 * this function; it downloads claimable Limitless windows (see download-window.ts) with
 * INGEST_CONCURRENCY workers until none is left or a new download would no longer fit the run's budget
 * (`mayClaim`), then runs the raw-audio deletions that are due. A 429 holds back only that key's windows
 * (in SQL); the other users' downloads go on.
 *
 * - 202 `{ started: true, workerId }` at once; the run continues after the response
 *   (`EdgeRuntime.waitUntil`, see `_shared/background.ts`), so pg_net's 5 s timeout never cuts a download.
 * - `?wait=1` (manual runs, the local stack, tests) runs before answering: 200 `{ claimed, downloaded, noAudio, keyInvalid, rateLimited, retried, dead, dropped, unchanged, errors, bytes, deleted, wallMs,
 *   memory: { heapUsedBytes, externalBytes, isolateBytes, rssBytes } }` (peaks during the run).
 * - 400 body is not the kick's shape; 401 bad or missing bearer; 405 other methods.
 */
import { Hono } from "hono";
import { backgroundRunner, type RunInBackground } from "../_shared/background.ts";
import type { Sql } from "../_shared/db.ts";
import type { Keyring } from "../_shared/generated/limitless/api-key-crypto.ts";
import { createErrorHandler, methodNotAllowed, notFound } from "../_shared/http-error.ts";
import { readKick } from "../_shared/kick.ts";
import { s3Credentials } from "../_shared/s3.ts";
import type { IngestConfig } from "./config.ts";
import { type ClaimedDeletion, deleteRawAudio } from "./delete-raw-audio.ts";
import { type ClaimedWindow, type DownloadContext, downloadWindow } from "./download-window.ts";
import { mayClaim } from "./limits.ts";
import { type MemoryPeaks, sampleMemory } from "./memory-sampler.ts";
import { PartBufferPool } from "./part-buffer-pool.ts";

export interface IngestSummary {
  claimed: number;
  downloaded: number;
  noAudio: number;
  keyInvalid: number;
  rateLimited: number;
  retried: number;
  dead: number;
  /**
   * Downloads refused at registration (the user's data was deleted meanwhile, or an overlap): object
   * deleted; and downloads whose job delete-all removed while they ran, whatever their answer.
   */
  dropped: number;
  /** Short windows asked again that brought no more audio (nothing stored). */
  unchanged: number;
  /** Windows whose handling threw (left leased; the reaper returns them). */
  errors: number;
  bytes: number;
  deleted: number;
  wallMs: number;
  /** Peak memory of the isolate during the run. */
  memory: MemoryPeaks;
}

export interface IngestAppDeps {
  config: IngestConfig;
  sql: Sql;
  keyring: Keyring;
  fetch?: typeof fetch;
  /** Runs the work after the 202 (default: EdgeRuntime.waitUntil or its local equivalent). */
  runInBackground?: RunInBackground;
}

/** Most raw-audio deletions per invocation. */
const MAX_DELETIONS = 100;

/**
 * One pass. `partBuffers` outlives the pass (one pool per isolate, made by `createIngestApp`), so the
 * next kick reuses the part buffers instead of allocating new ones.
 */
export async function runIngest(
  deps: IngestAppDeps,
  workerId: string,
  partBuffers: PartBufferPool,
): Promise<IngestSummary> {
  const { config, sql, keyring } = deps;
  const started = performance.now();
  const memory = sampleMemory();
  const summary: IngestSummary = {
    claimed: 0,
    downloaded: 0,
    noAudio: 0,
    keyInvalid: 0,
    rateLimited: 0,
    retried: 0,
    dead: 0,
    dropped: 0,
    unchanged: 0,
    errors: 0,
    bytes: 0,
    deleted: 0,
    wallMs: 0,
    memory: { heapUsedBytes: 0, externalBytes: 0, isolateBytes: 0, rssBytes: 0 },
  };
  const ctx: DownloadContext = {
    sql,
    keyring,
    limitlessUrl: config.LIMITLESS_API_URL,
    s3: s3Credentials(config),
    bucket: config.RECORDINGS_BUCKET,
    partBytes: config.INGEST_PART_BYTES,
    partBuffers,
    downloadTimeoutMs: config.INGEST_DOWNLOAD_TIMEOUT_MS,
    storageTimeoutMs: config.STORAGE_TIMEOUT_MS,
    maxBitrateFactor: config.INGEST_MAX_BITRATE_FACTOR,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  };
  const lease = `${config.INGEST_LEASE_SECONDS} seconds`;

  // Each worker claims one window at a time, so a slow download never holds up the others.
  const worker = async () => {
    while (mayClaim(config, performance.now() - started)) {
      const [window] = await sql<ClaimedWindow[]>`
        select * from queue.claim_ingest(1, ${lease}::interval, ${workerId})`;
      if (window === undefined) return;
      summary.claimed++;
      try {
        const result = await downloadWindow(window, ctx);
        const field = {
          downloaded: "downloaded",
          no_audio: "noAudio",
          key_invalid: "keyInvalid",
          rate_limited: "rateLimited",
          retry: "retried",
          dead: "dead",
          dropped: "dropped",
          unchanged: "unchanged",
        } as const satisfies Record<typeof result.outcome, keyof IngestSummary>;
        summary[field[result.outcome]]++;
        summary.bytes += result.sizeBytes ?? 0;
        console.log(JSON.stringify({ level: "info", event: "ingest_window", ...result }));
      } catch (error) {
        summary.errors++;
        console.error(
          JSON.stringify({
            level: "error",
            event: "ingest_window_error",
            jobId: window.job_id,
            windowId: window.window_id,
            error: error instanceof Error ? error.message : String(error),
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: config.INGEST_CONCURRENCY }, worker));

  const deletions = await sql<ClaimedDeletion[]>`
    select job_id, lease_token, object_key from queue.claim(${MAX_DELETIONS}, ${lease}::interval, ${workerId}, 'delete')`;
  for (const job of deletions) {
    if (await deleteRawAudio(job, { ...ctx, bucket: config.RECORDINGS_BUCKET })) summary.deleted++;
  }
  summary.wallMs = Math.round(performance.now() - started);
  summary.memory = memory.stop();
  console.log(JSON.stringify({ level: "info", event: "ingest_done", ...summary }));
  return summary;
}

export function createIngestApp(deps: IngestAppDeps): Hono {
  const runInBackground = deps.runInBackground ?? backgroundRunner();
  // At most one part buffer per worker is kept between passes.
  const partBuffers = new PartBufferPool(deps.config.INGEST_PART_BYTES, deps.config.INGEST_CONCURRENCY);
  const app = new Hono().basePath("/ingest");
  app.onError(createErrorHandler("ingest"));
  app.notFound(notFound);

  app.post("/", async (c) => {
    const { wait } = await readKick(c.req.raw, deps.config.INGEST_TOKEN, "INGEST_TOKEN");
    const workerId = `ingest-${crypto.randomUUID().slice(0, 8)}`;
    if (!wait) {
      runInBackground(runIngest(deps, workerId, partBuffers));
      return c.json({ started: true, workerId }, 202);
    }
    return c.json(await runIngest(deps, workerId, partBuffers), 200);
  });
  app.all("/", methodNotAllowed(["POST"]));
  return app;
}
