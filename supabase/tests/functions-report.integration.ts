/**
 * `report` Edge Function as a real Deno process against real PostgreSQL: signed node reports complete or
 * fail leased jobs; duplicates, stale leases and bad payloads are per-item results, never 500s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobReport } from "../../shared/schemas/job-report.ts";
import { signRequest } from "../../shared/signing/hmac-signature.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { createRecording, createUser, pauseCron } from "./fixtures.ts";
import { FUNCTIONS_CONFIG, INFER_SECRET, REPORT_SECRET } from "./functions-helpers.ts";

let db: TestDatabase;
let report: DenoServer;
let userId: string;

beforeAll(async () => {
  db = await startTestDatabase();
  await pauseCron(db.sql);
  userId = await createUser(db.sql, "America/New_York");
  report = await startDenoServer("supabase/functions/report/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: { SUPABASE_DB_URL: db.url, REPORT_SIGNING_SECRET: REPORT_SECRET },
  });
});

afterAll(async () => {
  await report?.stop();
  await db?.stop();
});

/** A recording with a claimed (leased) job that its node has started. */
async function leasedJob(
  startedAt: string,
): Promise<{ jobId: string; leaseToken: string; recordingId: string }> {
  const recording = await createRecording(db.sql, { userId, startedAt });
  await db.sql`select queue.enqueue(${recording.id})`;
  // Claim exactly this job: push every other runnable job out of the way first.
  await db.sql`update queue.jobs set run_at = now() + interval '1 day' where status = 'queued' and recording_id <> ${recording.id}`;
  const [job] =
    await db.sql`select job_id::text, lease_token::text from queue.claim(1, '10 minutes', 'node-1')`;
  expect(job).toBeDefined();
  // The node began it (a started notice): from now on failures count as attempts.
  await db.sql`select queue.start(${job.job_id}::bigint, ${job.lease_token}::uuid)`;
  return { jobId: job.job_id, leaseToken: job.lease_token, recordingId: recording.id };
}

const stats = {
  audioSeconds: 600,
  wallMs: 6000,
  realTimeFactor: 0.01,
  peakRssBytes: 300_000_000,
  nodeId: "node-1",
};
const laugh = (startMs: number, userRec: string) => ({
  startMs,
  endMs: startMs + 1920,
  peakProbability: 0.91,
  meanProbability: 0.62,
  classId: 13,
  className: "Laughter",
  clipKey: `${userRec}${startMs}.wav`,
});

async function post(body: unknown, { secret = REPORT_SECRET, raw }: { secret?: string; raw?: string } = {}) {
  const text = raw ?? JSON.stringify(body);
  return await fetch(`${report.url}/report`, {
    method: "POST",
    body: text,
    headers: {
      "content-type": "application/json",
      ...(await signRequest(secret, { method: "POST", url: `${report.url}/report`, body: text })),
    },
  });
}

describe("POST /report", () => {
  it("a signed completed report stores the events, finishes the job and writes a job_runs row; a duplicate changes nothing", async () => {
    const job = await leasedJob("2026-11-20T13:00:00Z");
    const prefix = `${userId}/${job.recordingId}/`;
    const completed: JobReport = {
      jobId: job.jobId,
      leaseToken: job.leaseToken,
      status: "completed",
      modelVersion: "yamnet-onnx@abc123",
      events: [laugh(960, prefix), laugh(61_440, prefix)],
      stats,
    };
    const res = await post({ reports: [completed] });
    expect(res.status).toBe(207);
    expect(res.headers.get("x-completed-jobs")).toBe("1");
    const first = await res.json();
    expect(first).toEqual({
      completedJobs: [
        {
          jobId: job.jobId,
          jobStatus: "done",
          modelVersion: "yamnet-onnx@abc123",
          eventsInserted: 2,
          eventsReplaced: 0,
        },
      ],
      failedJobs: [],
      startedJobs: [],
    });

    const snapshot = async () => ({
      events: await db.sql`
        select id, start_offset_ms, end_offset_ms, peak_probability, mean_probability, class_id, class_name,
               clip_object_key, model_version, starts_at
        from public.laughter_events where recording_id = ${job.recordingId} order by start_offset_ms`,
      job: await db.sql`select status, attempts, outcome, finished_at from queue.jobs where id = ${job.jobId}`,
      runs: await db.sql`
        select outcome, node_id, model_version, audio_seconds, wall_ms, peak_rss_bytes, attempt
        from public.job_runs where job_id = ${job.jobId}`,
      recording: await db.sql`select status, model_version, duration_ms, processed_at from public.recordings
                              where id = ${job.recordingId}`,
    });
    const before = await snapshot();
    expect(before.events).toHaveLength(2);
    expect(before.events[0]).toMatchObject({
      start_offset_ms: 960,
      end_offset_ms: 2880,
      class_name: "Laughter",
      clip_object_key: `${prefix}960.wav`,
      model_version: "yamnet-onnx@abc123",
      starts_at: new Date(Date.parse("2026-11-20T13:00:00Z") + 960),
    });
    expect(before.job[0]).toMatchObject({ status: "done", attempts: 1 });
    expect(before.runs).toEqual([
      expect.objectContaining({
        outcome: "done",
        node_id: "node-1",
        model_version: "yamnet-onnx@abc123",
        attempt: 1,
      }),
    ]);
    expect(before.recording[0]).toMatchObject({
      status: "done",
      model_version: "yamnet-onnx@abc123",
      duration_ms: "600000",
    });

    // The node retries the delivery (it never saw our answer): same 207, not one row more or changed.
    const again = await post({ reports: [completed] });
    expect(again.status).toBe(207);
    expect(await again.json()).toEqual(first);
    expect(await snapshot()).toEqual(before);

    // A failure report for the finished job is harmless too.
    const late = await post({
      reports: [
        { ...completed, status: "failed", error: { retryable: true, reason: "INTERNAL", message: "x" } },
      ],
    });
    expect(late.status).toBe(207);
    expect((await late.json()).failedJobs).toEqual([
      expect.objectContaining({
        jobId: job.jobId,
        jobStatus: "done",
        error: expect.objectContaining({ code: "JOB_ALREADY_DONE" }),
      }),
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it("a retryable failure reschedules the job with backoff; a stale lease is dropped per item", async () => {
    const job = await leasedJob("2026-11-20T14:00:00Z");
    const other = await leasedJob("2026-11-20T15:00:00Z");
    const res = await post({
      reports: [
        {
          jobId: job.jobId,
          leaseToken: job.leaseToken,
          status: "failed",
          error: { retryable: true, reason: "AUDIO_FETCH_FAILED", message: "HTTP 503 from storage" },
          stats: { ...stats, audioSeconds: 0, realTimeFactor: 0 },
        },
        {
          jobId: other.jobId,
          leaseToken: crypto.randomUUID(),
          status: "completed",
          modelVersion: "m@1",
          events: [],
          stats,
        },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.headers.get("x-failed-jobs")).toBe("2");
    const body = await res.json();
    expect(body.completedJobs).toEqual([]);
    expect(body.failedJobs).toEqual([
      {
        jobId: job.jobId,
        jobStatus: "queued",
        error: { code: "REPORTED_FAILURE", message: expect.stringContaining("retry") },
      },
      { jobId: other.jobId, error: { code: "LEASE_MISMATCH", message: expect.any(String) } },
    ]);
    const [row] = await db.sql`
      select j.status, j.attempts, j.last_error, extract(epoch from j.run_at - now())::float8 as delay_s, r.status as recording_status
      from queue.jobs j join public.recordings r on r.id = j.recording_id where j.id = ${job.jobId}`;
    expect(row).toMatchObject({
      status: "queued",
      attempts: 1,
      last_error: "AUDIO_FETCH_FAILED: HTTP 503 from storage",
      recording_status: "queued",
    });
    expect(row.delay_s).toBeGreaterThan(20);
    const [run] = await db.sql`select outcome, error from public.job_runs where job_id = ${job.jobId}`;
    expect(run).toEqual({ outcome: "retry", error: "AUDIO_FETCH_FAILED: HTTP 503 from storage" });
    const [untouched] = await db.sql`select status from queue.jobs where id = ${other.jobId}`;
    expect(untouched.status).toBe("processing");
  });

  it("events the database refuses fail the job permanently instead of erroring", async () => {
    const job = await leasedJob("2026-11-20T16:00:00Z");
    const prefix = `${userId}/${job.recordingId}/`;
    const res = await post({
      reports: [
        {
          jobId: job.jobId,
          leaseToken: job.leaseToken,
          status: "completed",
          modelVersion: "m@1",
          // Two events at the same start: unique (recording, start, model) refuses it.
          events: [laugh(960, prefix), laugh(960, prefix)],
          stats,
        },
      ],
    });
    expect(res.status).toBe(207);
    const body = await res.json();
    expect(body.failedJobs).toEqual([
      {
        jobId: job.jobId,
        jobStatus: "dead",
        error: { code: "INVALID_REPORT", message: expect.stringContaining("23505") },
      },
    ]);
    const [row] = await db.sql`select j.status, r.status as recording_status from queue.jobs j
                               join public.recordings r on r.id = j.recording_id where j.id = ${job.jobId}`;
    expect(row).toEqual({ status: "dead", recording_status: "failed" });
    const [{ n }] =
      await db.sql`select count(*)::int as n from public.laughter_events where recording_id = ${job.recordingId}`;
    expect(n).toBe(0);
  });

  it("refuses clip keys outside the job's <user_id>/<recording_id>/ prefix (job dead, nothing stored)", async () => {
    const other = await leasedJob("2026-11-20T18:00:00Z");
    const otherPrefix = `${userId}/${other.recordingId}/`;
    for (const clipKey of [
      `${otherPrefix}960.wav`,
      `${userId}/${crypto.randomUUID()}/../${other.recordingId}/960.wav`,
      "someone-else/clip.wav",
    ]) {
      const job = await leasedJob("2026-11-20T19:00:00Z");
      const prefix = `${userId}/${job.recordingId}/`;
      const res = await post({
        reports: [
          {
            jobId: job.jobId,
            leaseToken: job.leaseToken,
            status: "completed",
            modelVersion: "m",
            events: [{ ...laugh(960, prefix), clipKey }],
            stats,
          },
        ],
      });
      expect(res.status).toBe(207);
      expect((await res.json()).failedJobs).toEqual([
        {
          jobId: job.jobId,
          jobStatus: "dead",
          error: { code: "INVALID_REPORT", message: expect.stringContaining("23514") },
        },
      ]);
      const [{ n }] =
        await db.sql`select count(*)::int as n from public.laughter_events where recording_id = ${job.recordingId}`;
      expect(n).toBe(0);
    }
  });

  it("401 for a forged, missing or stale signature, before reading the body", async () => {
    const job = await leasedJob("2026-11-20T17:00:00Z");
    const body = JSON.stringify({
      reports: [
        {
          jobId: job.jobId,
          leaseToken: job.leaseToken,
          status: "completed",
          modelVersion: "m",
          events: [],
          stats,
        },
      ],
    });
    const forged = await post(undefined, { raw: body, secret: "attacker-secret-0123456789abcdef" });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    const missing = await fetch(`${report.url}/report`, { method: "POST", body });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: "MISSING_SIGNATURE" } });
    const stale = await fetch(`${report.url}/report`, {
      method: "POST",
      body,
      headers: await signRequest(
        REPORT_SECRET,
        { method: "POST", url: `${report.url}/report`, body },
        Date.now() - 3_600_000,
      ),
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: "STALE_TIMESTAMP" } });
    // The other direction's secret (the one that signs /infer) is not accepted here.
    const infer = await post(undefined, { raw: body, secret: INFER_SECRET });
    expect(await infer.json()).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    // Through Supabase's gateway the node signs /functions/v1/report; the function sees /report.
    const viaGateway = await fetch(`${report.url}/report`, {
      method: "POST",
      body: "{}",
      headers: await signRequest(REPORT_SECRET, {
        method: "POST",
        url: "https://ref.supabase.co/functions/v1/report",
        body: "{}",
      }),
    });
    expect(viaGateway.status).toBe(400);
    // A header with hundreds of values is refused before the 4 MiB body is read or hashed.
    const signed = await signRequest(REPORT_SECRET, { method: "POST", url: `${report.url}/report`, body });
    const flood = await fetch(`${report.url}/report`, {
      method: "POST",
      body,
      headers: { ...signed, "x-giggles-signature": Array(900).fill(signed["x-giggles-signature"]).join(",") },
    });
    expect(flood.status).toBe(401);
    expect(await flood.json()).toMatchObject({ error: { code: "MALFORMED_SIGNATURE" } });
    const [row] = await db.sql`select status from queue.jobs where id = ${job.jobId}`;
    expect(row.status).toBe("processing");
  });

  it("400 with zod issues for a body that is not a job-report batch; 405 for GET", async () => {
    const notJson = await post(undefined, { raw: "{nope" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: "INVALID_JSON" } });
    const bad = await post({ reports: [{ jobId: "abc", leaseToken: "x", status: "completed" }] });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.code).toBe("INVALID_BODY");
    expect(body.error.details.length).toBeGreaterThan(0);
    expect((await post({ reports: [] })).status).toBe(400);
    expect((await fetch(`${report.url}/report`)).status).toBe(405);
  });

  it("a started notice marks the lease started (an expiry then counts); a deleted job's notice is JOB_NOT_FOUND", async () => {
    const job = await leasedJob("2026-11-21T13:00:00Z");
    const started = { jobId: job.jobId, leaseToken: job.leaseToken, status: "started" };
    const res = await post({ reports: [started] });
    expect(res.status).toBe(207);
    const answer = await res.json();
    expect(answer.startedJobs).toHaveLength(1);
    expect(answer.startedJobs[0].jobId).toBe(job.jobId);
    const [row] = await db.sql`select started_at from queue.jobs where id = ${job.jobId}`;
    expect(row.started_at.toISOString()).toBe(answer.startedJobs[0].startedAt);

    await db.sql`delete from public.recordings where id = ${job.recordingId}`;
    const gone = await (await post({ reports: [started] })).json();
    expect(gone.failedJobs).toEqual([
      { jobId: job.jobId, error: { code: "JOB_NOT_FOUND", message: expect.any(String) } },
    ]);
  });
});
