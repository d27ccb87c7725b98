/**
 * Clips of the events a completed run drops are deleted (migration 20261205003000), on real PostgreSQL,
 * s3rver and the dispatch function under Deno (its housekeeping pass deletes queued objects): a
 * reprocess with the same model replaces a recording's events, and finds again a laugh the user deleted.
 * The replaced event's clip and the re-found laugh's fresh clip are queued and deleted; a clip a new
 * event names again (same start, same key) stays, also when it was already waiting for deletion, and
 * nothing of a recording is deleted while its detection job is queued. A run of a new model version
 * replaces the older version's events and clips too (migration 20261206003000).
 */
import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import type { DenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, event, pauseCron } from "./fixtures.ts";
import {
  processedRecording,
  putObject,
  runHousekeeping,
  startHousekeepingDispatch,
} from "./functions-helpers.ts";

let db: TestDatabase;
let s3: S3Endpoint;
let dispatch: DenoServer;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await pauseCron(db.sql);
  dispatch = await startHousekeepingDispatch(db.url, s3);
});

afterAll(async () => {
  await dispatch?.stop();
  await s3?.stop();
  await db?.stop();
});

async function clipsOf(userId: string): Promise<string[]> {
  const listed = await s3.client.send(
    new ListObjectsV2Command({ Bucket: s3.buckets.clips, Prefix: `${userId}/` }),
  );
  return (listed.Contents ?? []).map(({ Key }) => Key ?? "").sort();
}

/** A dispatch pass: how many queued objects it deleted. */
async function dispatchDeletions(): Promise<number> {
  return (await runHousekeeping(dispatch)).uploadsDeleted;
}

/** Requeues the recording (a reprocess), claims it, and returns its lease. */
async function reprocess(userId: string, localDate: string) {
  await db.sql`select queue.reprocess(${userId}::uuid, ${localDate}::date, ${localDate}::date)`;
  const [job] = await db.sql<{ job_id: string; lease_token: string }[]>`
    select job_id::text, lease_token::text from queue.claim(1, '10 minutes', 'node-1')`;
  return job;
}

describe("clips of replaced and suppressed events", () => {
  it("are deleted by dispatch; a clip an event still names stays", async () => {
    const user = await createUser(db.sql, "UTC");
    const recording = await processedRecording(
      db.sql,
      s3,
      user,
      "2026-11-23T08:00:00Z",
      [1_000, 10_000, 20_000],
    );
    const clip = (ms: number) => `${user}/${recording.id}/${ms}.wav`;
    // The user deletes the laugh at 1 s (the me function also deletes its clip object).
    await db.sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: user, role: "authenticated" })}, true)`;
      await tx`set local role authenticated`;
      await tx`select user_api.delete_event(e.id) from public.laughter_events e
               where e.recording_id = ${recording.id} and e.start_offset_ms = 1000`;
    });
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.buckets.clips, Key: clip(1_000) }));

    // A reprocess with the same model: the node finds 1 s again (uploading its clip), 10 s as before
    // (same key, overwritten) and 20 s a little later (a new key).
    const first = await reprocess(user, recording.localDate);
    for (const ms of [1_000, 10_000, 20_500]) {
      await putObject(s3, s3.buckets.clips, clip(ms), new TextEncoder().encode(`clip ${ms} again`));
    }
    const events = [1_000, 10_000, 20_500].map((ms) => event(ms, ms + 2_000, clip(ms)));
    const [{ outcome }] = await db.sql`
      select queue.complete(${first.job_id}, ${first.lease_token}, ${db.sql.json(events)}, '{}'::jsonb,
                            'm@1') as outcome`;
    expect(outcome).toMatchObject({ events_inserted: 2, events_replaced: 2, events_kept_deleted: 1 });
    const queued = await db.sql`
      select bucket, object_key from queue.upload_deletions where object_key like ${`${user}/%`}
      order by object_key`;
    expect(queued).toEqual([
      { bucket: "clips", object_key: clip(1_000) },
      { bucket: "clips", object_key: clip(20_000) },
    ]);

    // Before dispatch gets to them, another reprocess is queued: nothing of the recording is deleted
    // while its job may be uploading; this run finds 20 s where it was at first (the key waiting for
    // deletion), so that clip stays.
    await db.sql`update queue.jobs set status = 'done' where recording_id = ${recording.id}`;
    await db.sql`select queue.reprocess(${user}::uuid, ${recording.localDate}::date, ${recording.localDate}::date)`;
    expect(await dispatchDeletions()).toBe(0);
    const [second] = await db.sql<{ job_id: string; lease_token: string }[]>`
      select job_id::text, lease_token::text from queue.claim(1, '10 minutes', 'node-1')`;
    await putObject(s3, s3.buckets.clips, clip(20_000), new TextEncoder().encode("clip 20000 third run"));
    const again = [1_000, 10_000, 20_000].map((ms) => event(ms, ms + 2_000, clip(ms)));
    await db.sql`
      select queue.complete(${second.job_id}, ${second.lease_token}, ${db.sql.json(again)}, '{}'::jsonb, 'm@1')`;

    expect(await dispatchDeletions()).toBe(2);
    expect(await clipsOf(user)).toEqual([clip(10_000), clip(20_000)]);
    const named = await db.sql`
      select clip_object_key from public.laughter_events where recording_id = ${recording.id}
      order by start_offset_ms`;
    expect(named.map((row) => row.clip_object_key)).toEqual([clip(10_000), clip(20_000)]);
  });

  it("a new model version's run replaces the older version's events, keeps a noted one, deletes the clips", async () => {
    const user = await createUser(db.sql, "UTC");
    const recording = await processedRecording(
      db.sql,
      s3,
      user,
      "2026-11-24T08:00:00Z",
      [1_000, 10_000, 20_000],
    );
    const clip = (ms: number) => `${user}/${recording.id}/${ms}.wav`;
    await db.sql`update public.laughter_events set note = 'the cat'
                 where recording_id = ${recording.id} and start_offset_ms = 10000`;

    // The new model finds 1 s again (same key, overwritten) and a laugh at 30 s; not 10 s nor 20 s.
    const job = await reprocess(user, recording.localDate);
    for (const ms of [1_000, 30_000]) {
      await putObject(s3, s3.buckets.clips, clip(ms), new TextEncoder().encode(`clip ${ms} m@2`));
    }
    const events = [1_000, 30_000].map((ms) => event(ms, ms + 2_000, clip(ms)));
    const [{ outcome }] = await db.sql`
      select queue.complete(${job.job_id}, ${job.lease_token}, ${db.sql.json(events)}, '{}'::jsonb,
                            'm@2') as outcome`;
    expect(outcome).toMatchObject({ events_inserted: 2, events_replaced: 2, notes_kept: 1 });
    const rows = await db.sql`
      select start_offset_ms, note, model_version from public.laughter_events
      where recording_id = ${recording.id} order by start_offset_ms`;
    expect(rows.map((r) => [r.start_offset_ms, r.note, r.model_version])).toEqual([
      [1_000, null, "m@2"],
      [10_000, "the cat", "m@2"],
      [30_000, null, "m@2"],
    ]);
    const queued = await db.sql`
      select object_key from queue.upload_deletions where object_key like ${`${user}/%`}`;
    expect(queued.map((row) => row.object_key)).toEqual([clip(20_000)]);
    expect(await dispatchDeletions()).toBe(1);
    expect(await clipsOf(user)).toEqual([clip(1_000), clip(10_000), clip(30_000)]);
  });
});
