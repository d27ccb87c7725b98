/**
 * `me` Edge Function as a real Deno process against real PostgreSQL and s3rver: profile and the re-dating
 * rule, days with their processing state, notes, deleting one laugh with its clip, reprocess with a
 * handle, process today, and delete-all-my-data proven on two users (B byte-identical before and after).
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createRecording, createUser, event, pauseCron } from "./fixtures.ts";
import {
  authEnv,
  FUNCTIONS_CONFIG,
  processedRecording,
  putObject,
  startTestAuth,
  storageEnv,
  userToken,
} from "./functions-helpers.ts";

let db: TestDatabase;
let s3: S3Endpoint;
let fn: DenoServer;
let auth: RunningAuthServer;

/** A recording (its audio in s3rver) processed with one 2 s event per offset, each with its clip. */
const processed = (userId: string, startedAt: string, offsetsMs: number[]) =>
  processedRecording(db.sql, s3, userId, startedAt, offsetsMs, { durationMinutes: 60, withAudio: true });

async function call(userId: string | null, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (userId !== null) headers.authorization = `Bearer ${await userToken(userId)}`;
  return await fetch(`${fn.url}/me${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function eventsOf(userId: string) {
  return await db.sql<{ id: string; clip_object_key: string; note: string | null }[]>`
    select id, clip_object_key, note from public.laughter_events where user_id = ${userId} order by starts_at`;
}

async function objectExists(bucket: string, key: string): Promise<boolean> {
  try {
    await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** Every object under `<userId>/` in both buckets, with its bytes. */
async function objectsOf(userId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const bucket of Object.values(s3.buckets)) {
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${userId}/` }));
    for (const { Key } of listed.Contents ?? []) {
      const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      out[`${bucket}/${Key}`] = Buffer.from(await object.Body!.transformToByteArray()).toString("base64");
    }
  }
  return out;
}

/** Every row that belongs to `userId`, as JSON text (timestamps included). */
async function rowsOf(userId: string): Promise<string> {
  const [row] = await db.sql`
    select json_build_object(
      'profile', (select to_jsonb(p) from public.profiles p where p.user_id = ${userId}),
      'recordings', (select jsonb_agg(to_jsonb(r) order by r.id) from public.recordings r where r.user_id = ${userId}),
      'events', (select jsonb_agg(to_jsonb(e) order by e.id) from public.laughter_events e where e.user_id = ${userId}),
      'jobs', (select jsonb_agg(to_jsonb(j) order by j.id) from queue.jobs j where j.user_id = ${userId}),
      'job_runs', (select jsonb_agg(to_jsonb(j) order by j.id) from public.job_runs j where j.user_id = ${userId}),
      'swept_days', (select jsonb_agg(to_jsonb(s) order by s.local_date) from queue.swept_days s where s.user_id = ${userId}),
      'requests', (select jsonb_agg(to_jsonb(q) order by q.id) from public.reprocess_requests q where q.user_id = ${userId})
    )::text as snapshot`;
  return row.snapshot as string;
}

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  auth = await startTestAuth(db.sql);
  await pauseCron(db.sql);
  fn = await startDenoServer("supabase/functions/me/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: { SUPABASE_DB_URL: db.url, ...authEnv(auth), ...storageEnv(s3) },
  });
});

afterAll(async () => {
  await fn?.stop();
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

describe("profile", () => {
  it("reads and sets the time zone; a zone change dates only what was recorded after it", async () => {
    const user = await createUser(db.sql, "Asia/Tokyo");
    // 2026-11-20 20:00 UTC is the 21st in Tokyo.
    const before = await createRecording(db.sql, { userId: user, startedAt: "2026-11-20T20:00:00Z" });
    expect(before.localDate).toBe("2026-11-21");
    const got = await call(user, "GET", "/profile");
    expect(got.status).toBe(200);
    expect(got.headers.get("cache-control")).toBe("private, no-store");
    expect(await got.json()).toMatchObject({ timeZone: "Asia/Tokyo", limitlessKey: "none" });
    // A key Limitless answered 403 to is its own state, visible to its owner.
    await db.sql`insert into private.limitless_keys (user_id, ciphertext, iv, kek_version, status, invalid_since)
                 values (${user}, decode('00', 'hex'), decode(repeat('00', 12), 'hex'), 1, 'forbidden', now())`;
    expect(await (await call(user, "GET", "/profile")).json()).toMatchObject({ limitlessKey: "forbidden" });

    const put = await call(user, "PUT", "/profile", { timeZone: "America/New_York" });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ timeZone: "America/New_York" });
    const [kept] = await db.sql`select local_date::text as d from public.recordings where id = ${before.id}`;
    expect(kept.d).toBe("2026-11-21");
    // Recorded before the change but uploaded after: dated in the zone it was lived in (Tokyo).
    const late = await createRecording(db.sql, { userId: user, startedAt: "2026-11-20T21:00:00Z" });
    expect(late.localDate).toBe("2026-11-21");
    // Recorded after the change: New York. (now() is the change; a later instant is after it.)
    const [{ later }] = await db.sql`select now() + interval '1 hour' as later`;
    const after = await createRecording(db.sql, { userId: user, startedAt: later });
    const [{ ny }] =
      await db.sql`select (${later}::timestamptz at time zone 'America/New_York')::date::text as ny`;
    expect(after.localDate).toBe(ny);

    const bad = await call(user, "PUT", "/profile", { timeZone: "Mars/Olympus" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("INVALID_TIME_ZONE");
    expect((await call(user, "PUT", "/profile", {})).status).toBe(400);
    expect((await call(null, "GET", "/profile")).status).toBe(401);
  });
});

describe("days", () => {
  it("one row per local day, empty ones too, with counts and planned / processing / done / failed (with reason)", async () => {
    const user = await createUser(db.sql, "UTC");
    await processed(user, "2026-11-10T08:00:00Z", [1_000, 10_000]); // done, 2 laughs of 2 s
    await createRecording(db.sql, { userId: user, startedAt: "2026-11-11T08:00:00Z" }); // planned
    const queued = await createRecording(db.sql, { userId: user, startedAt: "2026-11-12T08:00:00Z" });
    await db.sql`select queue.enqueue(${queued.id})`; // processing
    const failing = await createRecording(db.sql, { userId: user, startedAt: "2026-11-13T08:00:00Z" });
    await db.sql`select queue.enqueue(${failing.id})`;
    await db.sql`update queue.jobs set run_at = now() + interval '1 day' where status = 'queued' and recording_id <> ${failing.id}`;
    const [job] = await db.sql`select job_id, lease_token from queue.claim(1, '10 minutes', 'node-1')`;
    await db.sql`select queue.fail(${job.job_id}, ${job.lease_token}, 'UNDECODABLE_AUDIO: not audio', false)`;
    await db.sql`update queue.jobs set run_at = now() where status = 'queued'`;

    const res = await call(user, "GET", "/days?from=2026-11-09&to=2026-11-13");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.timeZone).toBe("UTC");
    expect(body.days.map((d: { date: string; state: string }) => [d.date, d.state])).toEqual([
      ["2026-11-13", "failed"],
      ["2026-11-12", "processing"],
      ["2026-11-11", "planned"],
      ["2026-11-10", "done"],
      ["2026-11-09", "empty"],
    ]);
    expect(body.days[0].failureReasons).toEqual(["UNDECODABLE_AUDIO: not audio"]);
    expect(body.days[3]).toEqual({
      date: "2026-11-10",
      laughs: 2,
      laughSeconds: 4,
      recordings: 1,
      planned: 0,
      processing: 0,
      done: 1,
      failed: 0,
      state: "done",
      failureReasons: [],
    });
    // Another user sees the same dates as empty.
    const other = await createUser(db.sql, "UTC");
    const theirs = await (await call(other, "GET", "/days?from=2026-11-09&to=2026-11-13")).json();
    expect(
      theirs.days.every((d: { state: string; laughs: number }) => d.state === "empty" && d.laughs === 0),
    ).toBe(true);
    for (const query of [
      "",
      "?from=2026-11-10",
      "?from=2026-11-10&to=2026-11-09",
      "?from=2025-01-01&to=2026-11-10",
    ]) {
      const bad = await call(user, "GET", `/days${query}`);
      expect(bad.status, query).toBe(400);
    }
  });
});

describe("notes and deleting one laugh", () => {
  it("sets and clears a note (≤ 1000 characters) on your own laugh only", async () => {
    const user = await createUser(db.sql, "UTC");
    const other = await createUser(db.sql, "UTC");
    await processed(user, "2026-11-14T08:00:00Z", [1_000]);
    const [laugh] = await eventsOf(user);
    const set = await call(user, "PATCH", `/events/${laugh.id}`, { note: "  the <b>cat</b> & the dog " });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ id: laugh.id, note: "the <b>cat</b> & the dog" });
    expect((await eventsOf(user))[0].note).toBe("the <b>cat</b> & the dog");

    const tooLong = await call(user, "PATCH", `/events/${laugh.id}`, { note: "ü".repeat(1001) });
    expect(tooLong.status).toBe(400);
    expect((await call(user, "PATCH", `/events/${laugh.id}`, { note: "😀".repeat(1000) })).status).toBe(200);
    const notYours = await call(other, "PATCH", `/events/${laugh.id}`, { note: "mine now" });
    expect(notYours.status).toBe(404);
    expect((await call(user, "PATCH", "/events/not-a-uuid", { note: "x" })).status).toBe(400);
    expect((await call(user, "PATCH", `/events/${laugh.id}`, { note: null })).status).toBe(200);
    expect((await eventsOf(user))[0].note).toBeNull();
  });

  it("deletes your laugh and its clip object; another user's laugh is a 404 and stays", async () => {
    const user = await createUser(db.sql, "UTC");
    const other = await createUser(db.sql, "UTC");
    await processed(user, "2026-11-15T08:00:00Z", [1_000, 5_000]);
    await processed(other, "2026-11-15T08:00:00Z", [1_000]);
    const [first, second] = await eventsOf(user);
    const [theirs] = await eventsOf(other);

    expect((await call(other, "DELETE", `/events/${first.id}`)).status).toBe(404);
    expect((await call(user, "DELETE", `/events/${theirs.id}`)).status).toBe(404);
    expect(await objectExists(s3.buckets.clips, theirs.clip_object_key)).toBe(true);

    const res = await call(user, "DELETE", `/events/${first.id}`);
    expect(res.status).toBe(204);
    expect((await eventsOf(user)).map((e) => e.id)).toEqual([second.id]);
    expect(await objectExists(s3.buckets.clips, first.clip_object_key)).toBe(false);
    expect(await objectExists(s3.buckets.clips, second.clip_object_key)).toBe(true);
    expect((await call(user, "DELETE", `/events/${first.id}`)).status).toBe(404);
  });

  it("cannot delete another user's clip through a laugh stored before the clip-key check (issue 21)", async () => {
    const victim = await createUser(db.sql, "UTC");
    const attacker = await createUser(db.sql, "UTC");
    await processed(victim, "2026-11-16T08:00:00Z", [1_000]);
    await processed(attacker, "2026-11-16T08:00:00Z", [1_000]);
    const [victims] = await eventsOf(victim);
    const [old] = await eventsOf(attacker);
    // A row as stored before 20261201002010 (which added the check NOT VALID): it names the victim's clip.
    await db.sql.begin(async (tx) => {
      await tx`alter table public.laughter_events drop constraint laughter_events_clip_object_key_own_prefix`;
      await tx`update public.laughter_events set clip_object_key = ${victims.clip_object_key} where id = ${old.id}`;
      await tx.file("supabase/migrations/20261201002010_clip_key_prefix.sql");
    });
    expect((await call(attacker, "DELETE", `/events/${old.id}`)).status).toBe(204);
    expect(await eventsOf(attacker)).toEqual([]);
    expect(await objectExists(s3.buckets.clips, victims.clip_object_key)).toBe(true);
    await db.sql`alter table public.laughter_events validate constraint laughter_events_clip_object_key_own_prefix`;
  });
});

describe("bodies the user API refuses", () => {
  it("a note with NUL or another control character is 400, not a 500; tab and newline are fine", async () => {
    const user = await createUser(db.sql, "UTC");
    await processed(user, "2026-11-14T09:00:00Z", [1_000]);
    const [laugh] = await eventsOf(user);
    for (const note of ["before\u0000after", "bell\u0007", "\u007f"]) {
      const res = await call(user, "PATCH", `/events/${laugh.id}`, { note });
      expect(res.status, JSON.stringify(note)).toBe(400);
      expect((await res.json()).error).toMatchObject({
        code: "INVALID_BODY",
        details: [{ path: ["note"], message: "must not contain control characters" }],
      });
    }
    const fine = await call(user, "PATCH", `/events/${laugh.id}`, { note: "two\tlines\nhere" });
    expect(await fine.json()).toEqual({ id: laugh.id, note: "two\tlines\nhere" });
  });

  it("a body over 8 KiB is 413 BODY_TOO_LARGE, also when streamed without a length (cut off while reading)", async () => {
    const user = await createUser(db.sql, "UTC");
    const padded = await call(user, "PUT", "/profile", { timeZone: "UTC", pad: "x".repeat(1 << 20) });
    expect(padded.status).toBe(413);
    expect((await padded.json()).error.code).toBe("BODY_TOO_LARGE");

    // 48 MiB offered in 64 KiB chunks with no Content-Length: the function stops reading after the limit.
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let offeredBytes = 0;
    async function* stream() {
      while (offeredBytes < 48 * 1024 * 1024) {
        offeredBytes += chunk.byteLength;
        yield chunk;
      }
    }
    const res = await undiciFetch(`${fn.url}/me/profile`, {
      method: "PUT",
      headers: { authorization: `Bearer ${await userToken(user)}`, "content-type": "application/json" },
      body: stream(),
      duplex: "half",
    });
    expect(res.status).toBe(413);
    expect(offeredBytes).toBeLessThan(8 * 1024 * 1024);
  });
});

describe("reprocess and process today", () => {
  it("re-queues a date range and returns a handle whose progress only its owner can read", async () => {
    const user = await createUser(db.sql, "UTC");
    const other = await createUser(db.sql, "UTC");
    await processed(user, "2026-11-16T08:00:00Z", [1_000]);
    await processed(user, "2026-11-17T08:00:00Z", [1_000]);
    await processed(user, "2026-11-19T08:00:00Z", [1_000]);

    const res = await call(user, "POST", "/reprocess", { from: "2026-11-16", to: "2026-11-18" });
    expect(res.status).toBe(202);
    const { requestId, recordings } = await res.json();
    expect(recordings).toBe(2);
    expect(res.headers.get("location")).toBe(`/me/reprocess/${requestId}`);
    const progress = await (await call(user, "GET", `/reprocess/${requestId}`)).json();
    expect(progress).toMatchObject({
      requestId,
      from: "2026-11-16",
      to: "2026-11-18",
      recordings: 2,
      queued: 2,
    });
    expect(progress.finished).toBe(false);
    expect((await call(other, "GET", `/reprocess/${requestId}`)).status).toBe(404);

    // The node finishes both: progress says so.
    const jobs = await db.sql`select job_id, lease_token from queue.claim(10, '10 minutes', 'node-1')`;
    for (const job of jobs) {
      await db.sql`select queue.complete(${job.job_id}, ${job.lease_token}, '[]'::jsonb, '{}'::jsonb, 'm@2')`;
    }
    expect(await (await call(user, "GET", `/reprocess/${requestId}`)).json()).toMatchObject({
      queued: 0,
      done: 2,
      finished: true,
    });
    const bad = await call(user, "POST", "/reprocess", { from: "2026-11-18", to: "2026-11-16" });
    expect(bad.status).toBe(400);
  });

  it("a request that would queue more than the per-user limit is 429 REPROCESS_LIMIT; nothing is queued", async () => {
    const user = await createUser(db.sql, "UTC");
    await processed(user, "2026-11-10T08:00:00Z", [1_000]);
    await processed(user, "2026-11-11T08:00:00Z", [1_000]);
    await db.sql`update queue.queue_settings set max_outstanding_per_user = 1`;
    try {
      const res = await call(user, "POST", "/reprocess", { from: "2026-11-10", to: "2026-11-11" });
      expect(res.status).toBe(429);
      expect((await res.json()).error.code).toBe("REPROCESS_LIMIT");
      const [{ n }] = await db.sql`select count(*)::int as n from queue.jobs
                                   where user_id = ${user} and status = 'queued'`;
      expect(n).toBe(0);
    } finally {
      await db.sql`update queue.queue_settings set max_outstanding_per_user = 1000`;
    }
  });

  it("queues today's pending recordings now, not after the night", async () => {
    const user = await createUser(db.sql, "Pacific/Kiritimati");
    const [{ now }] = await db.sql`select now() as now`;
    const today = await createRecording(db.sql, {
      userId: user,
      startedAt: new Date(now.getTime() - 600_000),
    });
    const yesterday = await createRecording(db.sql, {
      userId: user,
      startedAt: new Date(now.getTime() - 30 * 3600_000),
    });
    const res = await call(user, "POST", "/process-today");
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ localDate: today.localDate, recordings: 1 });
    const statuses = await db.sql`select id, status from public.recordings where user_id = ${user}`;
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [today.id]: "queued",
      [yesterday.id]: "pending",
    });
  });
});

/** Claims the job of `recordingId` only (other tests leave queued jobs behind). */
async function claimJobOf(recordingId: string) {
  return await db.sql.begin(async (tx) => {
    await tx`update queue.jobs set run_at = run_at + interval '100 years'
             where status = 'queued' and recording_id <> ${recordingId}`;
    const [job] = await tx`select job_id, lease_token from queue.claim(1, '10 minutes', 'node-1')`;
    await tx`update queue.jobs set run_at = run_at - interval '100 years'
             where status = 'queued' and recording_id <> ${recordingId}`;
    return job;
  });
}

describe("reprocess keeps what the user did", () => {
  it("a deleted laugh stays deleted, a note moves to the overlapping new laugh, an unmatched noted laugh stays", async () => {
    const user = await createUser(db.sql, "UTC");
    const recording = await processed(user, "2026-11-23T08:00:00Z", [1_000, 10_000, 20_000, 30_000]);
    const [first, second, third, fourth] = await eventsOf(user);
    expect((await call(user, "DELETE", `/events/${first.id}`)).status).toBe(204);
    await call(user, "PATCH", `/events/${second.id}`, { note: "the cat" });
    await call(user, "PATCH", `/events/${fourth.id}`, { note: "the dog" });

    const res = await call(user, "POST", "/reprocess", { from: "2026-11-23", to: "2026-11-23" });
    expect(await res.json()).toMatchObject({ recordings: 1 });
    const job = await claimJobOf(recording.id);
    // The new model finds the first three laughs again, a little shifted, and not the fourth.
    const events = [1_100, 10_300, 19_800].map((ms) =>
      event(ms, ms + 1_800, `${user}/${recording.id}/${ms}.wav`),
    );
    const [{ outcome }] = await db.sql`
      select queue.complete(${job.job_id}, ${job.lease_token}, ${db.sql.json(events)}, '{}'::jsonb, 'm@2') as outcome`;
    expect(outcome).toMatchObject({
      events_inserted: 2,
      events_kept_deleted: 1,
      notes_carried: 1,
      notes_kept: 1,
    });

    const after = await db.sql<{ start_offset_ms: number; note: string | null; model_version: string }[]>`
      select e.start_offset_ms, e.note, e.model_version from public.laughter_events e
      join public.recordings r on r.id = e.recording_id and r.model_version = e.model_version
      where e.user_id = ${user} order by e.start_offset_ms`;
    expect(after).toEqual([
      { start_offset_ms: 10_300, note: "the cat", model_version: "m@2" },
      { start_offset_ms: 19_800, note: null, model_version: "m@2" },
      { start_offset_ms: 30_000, note: "the dog", model_version: "m@2" },
    ]);
    expect(third.note).toBeNull();

    // Reprocessing again with the same model changes nothing the user sees. (An hour later: a request
    // within queue_settings.reprocess_coalesce_for of a finished one joins it and re-runs nothing.)
    await db.sql`
      update public.reprocess_requests set created_at = now() - interval '2 hours' where user_id = ${user}`;
    await call(user, "POST", "/reprocess", { from: "2026-11-23", to: "2026-11-23" });
    const again = await claimJobOf(recording.id);
    await db.sql`
      select queue.complete(${again.job_id}, ${again.lease_token}, ${db.sql.json(events)}, '{}'::jsonb, 'm@2')`;
    const twice = await db.sql`
      select e.start_offset_ms, e.note from public.laughter_events e
      join public.recordings r on r.id = e.recording_id and r.model_version = e.model_version
      where e.user_id = ${user} order by e.start_offset_ms`;
    expect(twice.map((row) => [row.start_offset_ms, row.note])).toEqual([
      [10_300, "the cat"],
      [19_800, null],
      [30_000, "the dog"],
    ]);
  });
});

describe("DELETE /me/data", () => {
  it("removes every row and object of user A; user B's rows and objects are byte-identical", async () => {
    const a = await createUser(db.sql, "Europe/Berlin");
    const b = await createUser(db.sql, "Europe/Berlin");
    for (const user of [a, b]) {
      await processed(user, "2026-11-20T08:00:00Z", [1_000, 4_000]);
      await processed(user, "2026-11-21T08:00:00Z", [2_000]);
      await createRecording(db.sql, { userId: user, startedAt: "2026-11-22T08:00:00Z" });
      await db.sql`insert into queue.swept_days (user_id, local_date) values (${user}, '2026-11-20')`;
    }
    // A prefix that merely starts like A's id must survive too.
    const lookalike = `${a.slice(0, 8)}/not-a/${crypto.randomUUID()}.wav`;
    await putObject(s3, s3.buckets.clips, lookalike, new TextEncoder().encode("not A's"));
    for (const user of [a, b]) {
      const reprocess = await call(user, "POST", "/reprocess", { from: "2026-11-20", to: "2026-11-20" });
      expect(reprocess.status).toBe(202);
    }

    const bRowsBefore = await rowsOf(b);
    const bObjectsBefore = await objectsOf(b);
    expect(Object.keys(bObjectsBefore)).toHaveLength(2 + 3); // 2 recordings with audio, 3 clips
    expect(Object.keys(await objectsOf(a))).toHaveLength(5);

    const unconfirmed = await call(a, "DELETE", "/data", {});
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json()).error.code).toBe("CONFIRMATION_REQUIRED");
    expect(Object.keys(await objectsOf(a))).toHaveLength(5);

    const res = await call(a, "DELETE", "/data", { confirm: "delete all my data" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ recordings: 3, events: 3, objects: { recordings: 2, clips: 3 } });

    expect(await objectsOf(a)).toEqual({});
    const [aRows] = await db.sql`
      select (select count(*) from public.recordings where user_id = ${a})::int as recordings,
             (select count(*) from public.laughter_events where user_id = ${a})::int as events,
             (select count(*) from queue.jobs where user_id = ${a})::int as jobs,
             (select count(*) from public.job_runs where user_id = ${a})::int as job_runs,
             (select count(*) from queue.swept_days where user_id = ${a})::int as swept_days,
             (select count(*) from public.reprocess_requests where user_id = ${a})::int as requests,
             (select count(*) from public.profiles where user_id = ${a})::int as profiles`;
    expect(aRows).toEqual({
      recordings: 0,
      events: 0,
      jobs: 0,
      job_runs: 0,
      swept_days: 0,
      requests: 0,
      profiles: 1, // settings and account stay
    });
    expect(await rowsOf(b)).toBe(bRowsBefore);
    expect(await objectsOf(b)).toEqual(bObjectsBefore);
    expect(await objectExists(s3.buckets.clips, lookalike)).toBe(true);

    // Safe to repeat (e.g. after a storage error halfway).
    const again = await call(a, "DELETE", "/data", { confirm: "delete all my data" });
    expect(await again.json()).toEqual({ recordings: 0, events: 0, objects: { recordings: 0, clips: 0 } });
  });
});
