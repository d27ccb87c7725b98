/**
 * `dispatch` Edge Function as a real Deno process against real PostgreSQL, s3rver and the inference
 * node's real HTTP app (`createApp`). The node's job processor is a stand-in that downloads the audio
 * through the presigned URL and keeps the bytes (the real engine runs in test/e2e): what is tested here
 * is leasing, presigning, signing and releasing, not detection.
 */

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../inference-node/src/http/app.ts";
import { JobQueue } from "../../inference-node/src/jobs/job-queue.ts";
import { silentLogger } from "../../inference-node/src/jobs/logger.ts";
import { NodeMetrics } from "../../inference-node/src/jobs/node-metrics.ts";
import type { InferJob } from "../../shared/schemas/infer-request.ts";
import type { JobReport } from "../../shared/schemas/job-report.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, denoBinary, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import {
  FUNCTIONS_CONFIG,
  INFER_SECRET,
  type NodeHttpServer,
  putObject,
  queuedRecording,
  serveFetch,
  storageEnv,
} from "./functions-helpers.ts";

const DISPATCH_TOKEN = "dispatch-test-token-0123456789";
const run = promisify(execFile);
const REPORT_URL = "https://project.example.test/functions/v1/report";
const LEASE_SECONDS = 600;

let db: TestDatabase;
let s3: S3Endpoint;
let dispatch: DenoServer;
let node: NodeHttpServer;
let userId: string;

/** What the stub side of the node does: `real` hands the request to createApp's app. */
let mode: "real" | "busy" | "unavailable" | "hang" | "notReady" | "gated" = "real";
/** In "gated" mode, /infer waits for this before answering. */
let gate: Promise<void> = Promise.resolve();
const infers: InferJob[][] = [];
const downloads = new Map<string, Uint8Array>();
let queue: JobQueue;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await pauseCron(db.sql);
  userId = await createUser(db.sql, "Europe/London");

  const metrics = new NodeMetrics();
  queue = new JobQueue({
    maxQueuedJobs: 40,
    concurrency: 4,
    dedupeCapacity: 1000,
    reportReserveMs: 0,
    logger: silentLogger,
    metrics,
    process: async (job): Promise<JobReport> => {
      const res = await fetch(job.audioUrl);
      downloads.set(job.jobId, new Uint8Array(await res.arrayBuffer()));
      return {
        jobId: job.jobId,
        leaseToken: job.leaseToken,
        status: "completed",
        modelVersion: "stand-in@0",
        events: [],
        stats: { audioSeconds: 600, wallMs: 1, realTimeFactor: 0, peakRssBytes: 1, nodeId: "test-node" },
      };
    },
    deliver: async () => {},
  });
  const app = createApp({
    config: { INFER_SIGNING_SECRET: INFER_SECRET, NODE_REPLAY_WINDOW_MS: 300_000, NODE_MAX_RSS_MB: 100_000 },
    queue,
    metrics,
    logger: silentLogger,
    modelVersion: () => "stand-in@0",
    isShuttingDown: () => false,
  });
  node = await serveFetch(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/infer" && request.method === "POST") {
      infers.push((JSON.parse(await request.clone().text()) as { jobs: InferJob[] }).jobs);
      if (mode === "busy") {
        return Response.json(
          { error: { code: "QUEUE_FULL", message: "full" } },
          {
            status: 429,
            headers: { "retry-after": "30" },
          },
        );
      }
      if (mode === "hang") {
        // Longer than the dispatcher's NODE_TIMEOUT_MS.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        return Response.json({ error: { code: "TOO_LATE", message: "" } }, { status: 503 });
      }
      if (mode === "gated") await gate;
      if (mode === "unavailable") {
        return Response.json({ error: { code: "SHUTTING_DOWN", message: "bye" } }, { status: 503 });
      }
    }
    if (path === "/readyz" && mode === "notReady") {
      return Response.json(
        { ready: false, reasons: ["MODEL_LOADING"], capacity: { free: 5 } },
        { status: 503 },
      );
    }
    return await app.fetch(request);
  });

  dispatch = await startDenoServer("supabase/functions/dispatch/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: {
      SUPABASE_DB_URL: db.url,
      DISPATCH_TOKEN,
      INFERENCE_NODE_URLS: node.url,
      INFER_SIGNING_SECRET: INFER_SECRET,
      REPORT_URL,
      LEASE_SECONDS: String(LEASE_SECONDS),
      NODE_TIMEOUT_MS: "1500",
      ...storageEnv(s3),
    },
  });
});

afterAll(async () => {
  await dispatch?.stop();
  await queue?.shutdown(0);
  await node?.close();
  await s3?.stop();
  await db?.stop();
});

beforeEach(() => {
  mode = "real";
  infers.length = 0;
});

/** A kick that waits for the pass (`?wait=1`), so its result can be checked. */
async function kick(authorization = `Bearer ${DISPATCH_TOKEN}`, body = '{"runnable":1,"at":"now"}') {
  return await fetch(`${dispatch.url}/dispatch?wait=1`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body,
  });
}

describe("POST /dispatch", () => {
  it("leases jobs up to the node's free capacity and delivers presigned, signed batches", async () => {
    const recordings = [];
    for (let i = 0; i < 20; i++) {
      recordings.push(await queuedRecording(db.sql, s3, userId, new Date(Date.UTC(2026, 10, 20, 8, i))));
    }
    const started = performance.now();
    const res = await kick();
    const wallMs = performance.now() - started;
    expect(res.status).toBe(200);
    const body = await res.json();
    console.log(
      `dispatch: ${body.claimed} jobs claimed and delivered in ${Math.round(wallMs)} ms (function: ${body.wallMs} ms)`,
    );
    expect(body).toMatchObject({ claimed: 20, accepted: 20, released: 0 });
    expect(body.nodes).toEqual([
      expect.objectContaining({ url: node.url, free: 44, claimed: 20, accepted: 20, released: 0 }),
    ]);
    expect(body.nodes[0].error).toBeUndefined();

    const jobs = await db.sql`
      select j.id::text as job_id, j.status, j.attempts, j.claimed_by, j.lease_token::text as lease_token,
             j.lease_expires_at, j.recording_id, r.status as recording_status
      from queue.jobs j join public.recordings r on r.id = j.recording_id
      where j.recording_id in ${db.sql(recordings.map((r) => r.recordingId))}`;
    expect(
      jobs.every((j) => j.status === "processing" && j.attempts === 1 && j.claimed_by === node.url),
    ).toBe(true);
    expect(jobs.every((j) => j.recording_status === "processing")).toBe(true);

    const sent = infers.flat();
    expect(sent).toHaveLength(20);
    for (const recording of recordings) {
      const job = sent.find((j) => j.jobId === recording.jobId);
      const row = jobs.find((j) => j.job_id === recording.jobId);
      expect(job).toMatchObject({
        leaseToken: row?.lease_token,
        format: "ogg-opus",
        clipKeyPrefix: `${userId}/${recording.recordingId}/`,
        callbackUrl: REPORT_URL,
        recordingStartedAt: expect.stringMatching(/^2026-11-20T08:/),
        // The node stops when the audio runs well past the declared span (10 minutes here).
        declaredDurationMs: 600_000,
      });
      // Inserted without an upload confirmation: no ETag to pin.
      expect(job).not.toHaveProperty("audioEtag");
      expect(Date.parse(job!.deadline)).toBe(row!.lease_expires_at.getTime());
      const url = new URL(job!.audioUrl);
      expect(Number(url.searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(LEASE_SECONDS);
    }
    await queue.idle();
    // The node fetched every recording through its presigned URL and got the uploaded bytes.
    for (const recording of recordings) {
      expect(Buffer.from(downloads.get(recording.jobId)!).toString()).toBe(
        Buffer.from(recording.body).toString(),
      );
    }
  });

  it.each([
    ["429", "busy", "NODE_BUSY: HTTP 429 QUEUE_FULL", 30],
    ["503", "unavailable", "NODE_REJECTED: HTTP 503 SHUTTING_DOWN", 0],
    ["nothing in time", "hang", "NODE_UNREACHABLE: POST /infer timed out", 0],
  ] as const)(
    "releases every claimed job when the node answers %s, without burning an attempt",
    async (_s, m, error, delaySeconds) => {
      mode = m;
      const recordings = [
        await queuedRecording(db.sql, s3, userId, new Date("2026-11-21T09:00:00Z")),
        await queuedRecording(db.sql, s3, userId, new Date("2026-11-21T10:00:00Z")),
      ];
      const res = await kick();
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.nodes[0]).toMatchObject({ claimed: 2, accepted: 0, released: 2, error });
      expect(
        infers
          .flat()
          .map((j) => j.jobId)
          .sort(),
      ).toEqual(recordings.map((r) => r.jobId).sort());
      const jobs = await db.sql`
      select j.status, j.attempts, j.lease_token, extract(epoch from j.run_at - now())::float8 as delay_s,
             r.status as recording_status
      from queue.jobs j join public.recordings r on r.id = j.recording_id
      where j.id in ${db.sql(recordings.map((r) => r.jobId))}`;
      for (const job of jobs) {
        expect(job).toMatchObject({
          status: "queued",
          attempts: 0,
          lease_token: null,
          recording_status: "queued",
        });
        expect(job.delay_s).toBeGreaterThan(delaySeconds - 5);
        expect(job.delay_s).toBeLessThanOrEqual(delaySeconds + 1);
      }
      // Out of the way of the next test.
      await db.sql`update queue.jobs set run_at = now() + interval '1 day'
                 where id in ${db.sql(recordings.map((r) => r.jobId))}`;
    },
  );

  it("claims nothing for a node that is not ready", async () => {
    mode = "notReady";
    const recording = await queuedRecording(db.sql, s3, userId, new Date("2026-11-23T09:00:00Z"));
    const res = await kick();
    expect(res.status).toBe(200);
    expect((await res.json()).nodes[0]).toMatchObject({
      free: 0,
      claimed: 0,
      error: "NODE_NOT_READY: HTTP 503 MODEL_LOADING",
    });
    const [job] = await db.sql`select status, attempts from queue.jobs where id = ${recording.jobId}`;
    expect(job).toEqual({ status: "queued", attempts: 0 });
    await db.sql`update queue.jobs set run_at = now() + interval '1 day' where id = ${recording.jobId}`;
  });

  it("answers 200 with nothing claimed when no job is runnable", async () => {
    const res = await kick();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ claimed: 0, accepted: 0, released: 0 });
    expect(infers).toHaveLength(0);
  });

  it("401 for a missing or wrong bearer, before touching the queue", async () => {
    const recording = await queuedRecording(db.sql, s3, userId, new Date("2026-11-22T09:00:00Z"));
    for (const authorization of [
      "",
      "Bearer wrong-token-0123456789abc",
      `Basic ${DISPATCH_TOKEN}`,
      DISPATCH_TOKEN,
    ]) {
      const res = await kick(authorization);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    }
    const [job] = await db.sql`select status, attempts from queue.jobs where id = ${recording.jobId}`;
    expect(job).toEqual({ status: "queued", attempts: 0 });
    await db.sql`update queue.jobs set run_at = now() + interval '1 day' where id = ${recording.jobId}`;
  });

  it("400 for a body that is not the kick's, 405 for GET", async () => {
    expect((await kick(undefined, "not json")).status).toBe(400);
    expect((await kick(undefined, '{"runnable":-1}')).status).toBe(400);
    const res = await fetch(`${dispatch.url}/dispatch`, {
      headers: { authorization: `Bearer ${DISPATCH_TOKEN}` },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("deletes the objects of expired uploads (queue.expire_uploads, hourly) on its run", async () => {
    const [cron] =
      await db.sql`select schedule, command from cron.job where jobname = 'giggles-expire-uploads'`;
    expect(cron).toEqual({ schedule: "37 * * * *", command: "select queue.expire_uploads()" });
    const uploading = async (createdAgo: string) => {
      const key = `${userId}/2026-11-01/${crypto.randomUUID()}.ogg`;
      await putObject(s3, s3.buckets.recordings, key, new TextEncoder().encode("half an upload"));
      const [row] = await db.sql`
        insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes, status, created_at)
        values (${userId}, ${key}, '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z', 'ogg-opus', 14, 'uploading',
                now() - ${createdAgo}::interval)
        returning id`;
      return { id: row.id as string, key };
    };
    const stale = await uploading("3 hours");
    const fresh = await uploading("10 minutes");
    const [{ expired }] = await db.sql`select queue.expire_uploads() as expired`;
    expect(expired).toBe(1);
    const rows = await db.sql`select id from public.recordings where id in ${db.sql([stale.id, fresh.id])}`;
    expect(rows.map((r) => r.id)).toEqual([fresh.id]);

    const res = await kick();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uploadsDeleted: 1 });
    const exists = (key: string) =>
      s3.client.send(new HeadObjectCommand({ Bucket: s3.buckets.recordings, Key: key })).then(
        () => true,
        () => false,
      );
    expect(await exists(stale.key)).toBe(false);
    expect(await exists(fresh.key)).toBe(true);
    const [{ n }] = await db.sql`select count(*)::int as n from queue.upload_deletions`;
    expect(n).toBe(0);
  });

  it("refuses to start with a Supabase key or JWT as DISPATCH_TOKEN (use a dedicated random token)", async () => {
    const script = `import { loadDispatchConfig } from "./supabase/functions/dispatch/config.ts";
const base = JSON.parse(Deno.args[0]);
for (const token of Deno.args.slice(1)) {
  try { loadDispatchConfig({ ...base, DISPATCH_TOKEN: token }); console.log("accepted"); }
  catch (error) { console.log(error.message.includes("DISPATCH_TOKEN") ? "refused" : error.message); }
}`;
    const serviceRoleLike = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from('{"role":"service_role"}').toString("base64url")}.c2lnbmF0dXJl`;
    const base = {
      SUPABASE_DB_URL: db.url,
      INFERENCE_NODE_URLS: node.url,
      INFER_SIGNING_SECRET: INFER_SECRET,
      REPORT_URL,
      ...storageEnv(s3),
    };
    const { stdout } = await run(
      denoBinary(),
      [
        "eval",
        "--config",
        FUNCTIONS_CONFIG,
        script,
        JSON.stringify(base),
        serviceRoleLike,
        "sb_secret_0123456789abcdefghijklmnop",
        DISPATCH_TOKEN,
      ],
      { cwd: process.cwd() },
    );
    expect(stdout.trim().split("\n")).toEqual(["refused", "refused", "accepted"]);
  });
});

describe("the pg_net kick (no ?wait)", () => {
  it("answers 202 before the pass ends, and the pass completes after the answer", async () => {
    const recording = await queuedRecording(db.sql, s3, userId, new Date(Date.UTC(2026, 10, 20, 12, 0)));
    let openGate = () => {};
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    mode = "gated";
    try {
      const res = await fetch(`${dispatch.url}/dispatch`, {
        method: "POST",
        headers: { authorization: `Bearer ${DISPATCH_TOKEN}`, "content-type": "application/json" },
        body: '{"runnable":1,"at":"now"}',
      });
      // The node has not answered /infer yet (the gate is shut), so the pass cannot have ended.
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ started: true });
      // A second kick while the isolate's pass is still running starts no other pass.
      const again = await fetch(`${dispatch.url}/dispatch`, {
        method: "POST",
        headers: { authorization: `Bearer ${DISPATCH_TOKEN}` },
      });
      expect(await again.json()).toEqual({ started: false, reason: "PASS_RUNNING" });
      await vi.waitFor(() => expect(infers.flat().map((job) => job.jobId)).toContain(recording.jobId), {
        timeout: 10_000,
      });
    } finally {
      openGate();
    }
    // The pass goes on after the answer: it logs its result (the node accepted the job, nothing released),
    // the job stays with the node, and the node fetches the audio through the presigned URL.
    await vi.waitFor(
      () =>
        expect(dispatch.output()).toMatch(/"event":"dispatch_done","claimed":1,"accepted":1,"released":0/),
      { timeout: 10_000 },
    );
    const [job] = await db.sql`select status, claimed_by from queue.jobs where id = ${recording.jobId}`;
    expect(job).toEqual({ status: "processing", claimed_by: node.url });
    await vi.waitFor(() => expect(downloads.has(recording.jobId)).toBe(true), { timeout: 10_000 });
  });
});
