/**
 * "Delete all my data" raced with a running detection job (issue 19 item 6), on real functions (`me`,
 * `report`, `dispatch` under Deno), PostgreSQL and s3rver: the node uploads one clip before the delete
 * and one after the delete listed the bucket, then reports. Afterwards nothing of the user is left,
 * neither rows (key, windows, jobs included) nor objects, and the daily quota was not reset.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendReport, sendStartNotice } from "../../inference-node/src/jobs/report-sender.ts";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import {
  authEnv,
  FUNCTIONS_CONFIG,
  processedRecording,
  putObject,
  queuedRecording,
  REPORT_SECRET,
  runHousekeeping,
  startHousekeepingDispatch,
  startTestAuth,
  storageEnv,
  userToken,
} from "./functions-helpers.ts";

let db: TestDatabase;
let s3: S3Endpoint;
let auth: RunningAuthServer;
let me: DenoServer;
let report: DenoServer;
let dispatch: DenoServer;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  auth = await startTestAuth(db.sql);
  await pauseCron(db.sql);
  [me, report, dispatch] = await Promise.all([
    startDenoServer("supabase/functions/me/index.ts", {
      config: FUNCTIONS_CONFIG,
      env: { SUPABASE_DB_URL: db.url, ...authEnv(auth), ...storageEnv(s3) },
    }),
    startDenoServer("supabase/functions/report/index.ts", {
      config: FUNCTIONS_CONFIG,
      env: { SUPABASE_DB_URL: db.url, REPORT_SIGNING_SECRET: REPORT_SECRET },
    }),
    startHousekeepingDispatch(db.url, s3),
  ]);
});

afterAll(async () => {
  await Promise.all([me?.stop(), report?.stop(), dispatch?.stop()]);
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

async function objectsOf(userId: string): Promise<string[]> {
  const keys: string[] = [];
  for (const bucket of Object.values(s3.buckets)) {
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${userId}/` }));
    for (const { Key } of listed.Contents ?? []) keys.push(`${bucket}/${Key}`);
  }
  return keys.sort();
}

/** How many rows of each kind belong to `userId`, wherever they live. */
async function rowsOf(userId: string) {
  const [rows] = await db.sql`
    select (select count(*) from public.recordings where user_id = ${userId})::int as recordings,
           (select count(*) from public.laughter_events where user_id = ${userId})::int as events,
           (select count(*) from queue.jobs where user_id = ${userId})::int as jobs,
           (select count(*) from public.job_runs where user_id = ${userId})::int as job_runs,
           (select count(*) from queue.ingest_windows where user_id = ${userId})::int as windows,
           (select count(*) from private.limitless_keys where user_id = ${userId})::int as keys,
           (select count(*) from queue.swept_days where user_id = ${userId})::int as swept_days,
           (select count(*) from public.reprocess_requests where user_id = ${userId})::int as requests`;
  return rows;
}

describe("DELETE /me/data raced with a running detection job", () => {
  it("leaves no row and no object of the user, and keeps the daily quota", async () => {
    const user = await createUser(db.sql, "Europe/Berlin");
    // A finished night, a Limitless key with its planned windows, and a job running on a node.
    await processedRecording(db.sql, s3, user, "2026-11-20T08:00:00Z", [1_000, 4_000], { withAudio: true });
    await db.sql`select queue.store_limitless_key(${user}::uuid, ${Buffer.alloc(32)}, ${Buffer.alloc(12)}, 1)`;
    const running = await queuedRecording(db.sql, s3, user, new Date("2026-11-21T08:00:00Z"));
    const [job] = await db.sql<{ job_id: string; lease_token: string }[]>`
      select job_id::text, lease_token::text from queue.claim(1, '15 minutes', 'node-1')`;
    expect(job.job_id).toBe(running.jobId);
    const reportUrl = `${report.url}/report`;
    const notice = { jobId: job.job_id, leaseToken: job.lease_token, status: "started" as const };
    expect(await sendStartNotice(reportUrl, notice, { secret: REPORT_SECRET, budgetMs: 5_000 })).toBe("run");
    const before = await rowsOf(user);
    expect(before).toMatchObject({ recordings: 2, keys: 1 });
    expect(before.windows).toBeGreaterThan(0);

    // The node stores its first clip, then the user deletes everything.
    const clip = (ms: number) => `${user}/${running.recordingId}/${ms}.wav`;
    await putObject(s3, s3.buckets.clips, clip(500), new TextEncoder().encode("first clip"));
    const deleted = await fetch(`${me.url}/me/data`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await userToken(user)}`, "content-type": "application/json" },
      body: JSON.stringify({ confirm: "delete all my data" }),
    });
    expect(deleted.status).toBe(200);

    // The node, still running, stores a second clip after the listing, then reports both.
    await putObject(s3, s3.buckets.clips, clip(9_000), new TextEncoder().encode("second clip"));
    const event = (ms: number) => ({
      startMs: ms,
      endMs: ms + 1_500,
      peakProbability: 0.9,
      meanProbability: 0.6,
      classId: 13,
      className: "Laughter",
      clipKey: clip(ms),
    });
    const outcome = await sendReport(
      reportUrl,
      {
        ...notice,
        status: "completed",
        modelVersion: "m@1",
        events: [event(500), event(9_000)],
        stats: { audioSeconds: 600, wallMs: 100, realTimeFactor: 0.01, peakRssBytes: 1, nodeId: "node-1" },
      },
      { secret: REPORT_SECRET, deadlineMs: Date.now() + 10_000 },
    );
    expect(outcome).toEqual({ delivered: true, attempts: 1, refusal: "JOB_NOT_FOUND" });
    // A node that had not begun it yet would now drop it.
    expect(await sendStartNotice(reportUrl, notice, { secret: REPORT_SECRET, budgetMs: 5_000 })).toBe("lost");

    // The next dispatch pass deletes the clips the refused report named.
    expect((await runHousekeeping(dispatch)).uploadsDeleted).toBe(2);

    expect(await objectsOf(user)).toEqual([]);
    expect(await rowsOf(user)).toEqual({
      recordings: 0,
      events: 0,
      jobs: 0,
      job_runs: 0,
      windows: 0,
      keys: 0,
      swept_days: 0,
      requests: 0,
    });
    // Nothing comes back with the hourly planner either.
    await db.sql`select queue.plan_ingest()`;
    expect((await rowsOf(user)).windows).toBe(0);

    // The 2 registrations of the last 24 hours still count: a quota of 2 is used up.
    const quota = db.sql`
      select * from queue.register_recording(${user}::uuid, '2026-11-22T08:00:00Z', '2026-11-22T09:00:00Z',
                                             'ogg-opus', 1000, max_daily_recordings => 2)`;
    await expect(quota).rejects.toMatchObject({ code: "GQ012" });
  });

  it("discard_clips queues only clips of recordings that no longer exist", async () => {
    const user = await createUser(db.sql, "UTC");
    const live = await queuedRecording(db.sql, s3, user, new Date("2026-11-23T08:00:00Z"));
    const gone = crypto.randomUUID();
    const keys = [
      `${user}/${live.recordingId}/1000.wav`, // a live recording's clip: kept
      `${user}/${gone}/1000.wav`,
      "../../etc/passwd",
      `${user}/not-a-uuid/1000.wav`,
    ];
    const [{ queued }] = await db.sql`select queue.discard_clips(${keys}::text[]) as queued`;
    expect(queued).toBe(1);
    const rows =
      await db.sql`select bucket, object_key from queue.upload_deletions where object_key like ${`${user}/%`}`;
    expect(rows).toEqual([{ bucket: "clips", object_key: `${user}/${gone}/1000.wav` }]);
  });
});
