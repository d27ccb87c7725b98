/**
 * The whole night loop through real processes: `dispatch` (Deno) leases jobs and delivers them to the
 * inference node's real app and job pipeline (`createApp` + `JobQueue` + `processJob` + `sendReport`;
 * only the ONNX engine is the fake one, the real engine runs in test/e2e), which downloads the audio
 * from s3rver, stores clips and posts signed reports to `report` (Deno), which completes the jobs.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../inference-node/src/http/app.ts";
import { JobQueue } from "../../inference-node/src/jobs/job-queue.ts";
import { silentLogger } from "../../inference-node/src/jobs/logger.ts";
import { NodeMetrics } from "../../inference-node/src/jobs/node-metrics.ts";
import { processJob } from "../../inference-node/src/jobs/process-job.ts";
import { sendReport, sendStartNotice } from "../../inference-node/src/jobs/report-sender.ts";
import { createFakeEngine, fakeEvent } from "../../inference-node/src/jobs/testing/fake-engine.ts";
import { createMemoryClipStore } from "../../inference-node/src/jobs/testing/memory-clip-store.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import {
  FUNCTIONS_CONFIG,
  INFER_SECRET,
  type NodeHttpServer,
  putObject,
  queuedRecording,
  REPORT_SECRET,
  serveFetch,
  storageEnv,
} from "./functions-helpers.ts";

const DISPATCH_TOKEN = "pipeline-dispatch-token-0123456789";

let db: TestDatabase;
let s3: S3Endpoint;
let dispatch: DenoServer;
let report: DenoServer;
let node: NodeHttpServer;
let queue: JobQueue;
const clipStore = createMemoryClipStore();
const delivered: string[] = [];

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await pauseCron(db.sql);
  report = await startDenoServer("supabase/functions/report/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: { SUPABASE_DB_URL: db.url, REPORT_SIGNING_SECRET: REPORT_SECRET },
  });

  const engine = createFakeEngine({
    events: [fakeEvent(960), fakeEvent(4800)],
    modelVersion: "fake-yamnet@0001",
  });
  const metrics = new NodeMetrics();
  queue = new JobQueue({
    maxQueuedJobs: 8,
    concurrency: 2,
    dedupeCapacity: 100,
    reportReserveMs: 1000,
    logger: silentLogger,
    metrics,
    process: (job, signal) =>
      processJob(
        job,
        {
          engine,
          clipStore,
          logger: silentLogger,
          nodeId: "pipeline-node",
          audioFetchRetries: 1,
          audioIdleTimeoutMs: 5000,
          clipUploadAttempts: 1,
        },
        signal,
      ),
    start: (job, signal) =>
      sendStartNotice(
        job.callbackUrl,
        { jobId: job.jobId, leaseToken: job.leaseToken, status: "started" },
        { secret: REPORT_SECRET, budgetMs: 5_000, signal },
      ),
    deliver: async (job, jobReport, { deadlineMs, signal }) => {
      const outcome = await sendReport(job.callbackUrl, jobReport, {
        secret: REPORT_SECRET,
        deadlineMs,
        signal,
      });
      if (!outcome.delivered) throw new Error(`report not delivered: ${outcome.lastError}`);
      delivered.push(job.jobId);
    },
  });
  const app = createApp({
    config: { INFER_SIGNING_SECRET: INFER_SECRET, NODE_REPLAY_WINDOW_MS: 300_000, NODE_MAX_RSS_MB: 100_000 },
    queue,
    metrics,
    logger: silentLogger,
    modelVersion: () => engine.modelVersion,
    isShuttingDown: () => false,
  });
  node = await serveFetch(app.fetch);

  dispatch = await startDenoServer("supabase/functions/dispatch/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: {
      SUPABASE_DB_URL: db.url,
      DISPATCH_TOKEN,
      INFERENCE_NODE_URLS: node.url,
      INFER_SIGNING_SECRET: INFER_SECRET,
      REPORT_URL: `${report.url}/report`,
      ...storageEnv(s3),
    },
  });
});

afterAll(async () => {
  await dispatch?.stop();
  await queue?.shutdown(0);
  await node?.close();
  await report?.stop();
  await s3?.stop();
  await db?.stop();
});

describe("dispatch → inference node → report", () => {
  it("turns queued recordings into laughter events, clips and job runs", async () => {
    const userId = await createUser(db.sql, "Europe/Berlin");
    const recordings = [];
    for (let i = 0; i < 3; i++) {
      // 320 kB of "audio": the fake engine reads it as 10 s of 16 kHz PCM.
      recordings.push(
        await queuedRecording(
          db.sql,
          s3,
          userId,
          new Date(Date.UTC(2026, 10, 20, 21, i)),
          new Uint8Array(320_000),
        ),
      );
    }
    const started = performance.now();
    const res = await fetch(`${dispatch.url}/dispatch?wait=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${DISPATCH_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ claimed: 3, accepted: 3, released: 0 });
    await queue.idle();
    console.log(
      `pipeline: 3 recordings dispatched, processed and reported in ${Math.round(performance.now() - started)} ms`,
    );
    expect(delivered.sort()).toEqual(recordings.map((r) => r.jobId).sort());

    const jobs =
      await db.sql`select status, started_at from queue.jobs where id in ${db.sql(recordings.map((r) => r.jobId))}`;
    expect(jobs.map((j) => j.status)).toEqual(["done", "done", "done"]);
    // Each job's start notice reached the queue before its report (queue.start through `report`).
    for (const job of jobs) expect(job.started_at).toBeInstanceOf(Date);
    for (const recording of recordings) {
      const events = await db.sql`
        select start_offset_ms, clip_object_key, model_version from public.laughter_events
        where recording_id = ${recording.recordingId} order by start_offset_ms`;
      const prefix = `${userId}/${recording.recordingId}/`;
      expect(events).toEqual([
        {
          start_offset_ms: 960,
          clip_object_key: expect.stringMatching(new RegExp(`^${prefix}`)),
          model_version: "fake-yamnet@0001",
        },
        {
          start_offset_ms: 4800,
          clip_object_key: expect.stringMatching(new RegExp(`^${prefix}`)),
          model_version: "fake-yamnet@0001",
        },
      ]);
      for (const e of events) expect(clipStore.objects.has(e.clip_object_key)).toBe(true);
      const [run] =
        await db.sql`select outcome, node_id, audio_seconds::float8 as audio_seconds from public.job_runs
                                 where job_id = ${recording.jobId}`;
      expect(run).toEqual({ outcome: "done", node_id: "pipeline-node", audio_seconds: 10 });
      const [rec] =
        await db.sql`select status, duration_ms::int as duration_ms from public.recordings where id = ${recording.recordingId}`;
      expect(rec).toEqual({ status: "done", duration_ms: 10_000 });
    }
  });

  it("processes only the object confirmed at upload: a replaced object fails AUDIO_CHANGED (ETag pinned)", async () => {
    const userId = await createUser(db.sql, "Europe/Berlin");
    const pinned = async (minute: number) => {
      const recording = await queuedRecording(
        db.sql,
        s3,
        userId,
        new Date(Date.UTC(2026, 10, 21, 21, minute)),
        new Uint8Array(320_000),
      );
      // What POST /recordings/:id/uploaded stores: the ETag s3rver reports for the uploaded object.
      const head = await s3.client.send(
        new HeadObjectCommand({ Bucket: s3.buckets.recordings, Key: recording.objectKey }),
      );
      await db.sql`update public.recordings set audio_etag = ${head.ETag ?? null} where id = ${recording.recordingId}`;
      return recording;
    };
    const kept = await pinned(0);
    const replaced = await pinned(1);
    // Same length, other bytes: what a second PUT through a still-valid upload URL would leave.
    await putObject(s3, s3.buckets.recordings, replaced.objectKey, new Uint8Array(320_000).fill(7));

    const res = await fetch(`${dispatch.url}/dispatch?wait=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${DISPATCH_TOKEN}` },
    });
    expect(await res.json()).toMatchObject({ claimed: 2, accepted: 2 });
    await queue.idle();
    const jobs = await db.sql`
      select recording_id, status, last_error from queue.jobs
      where recording_id in ${db.sql([kept.recordingId, replaced.recordingId])}`;
    expect(jobs.find((j) => j.recording_id === kept.recordingId)).toMatchObject({ status: "done" });
    expect(jobs.find((j) => j.recording_id === replaced.recordingId)).toMatchObject({
      status: "dead",
      last_error: expect.stringMatching(/^AUDIO_CHANGED: /),
    });
  });
});
