/**
 * `laughs` Edge Function as a real Deno process against real PostgreSQL and s3rver: each user sees only
 * their own laughs (RLS, not a WHERE clause), cut by their own local date, with clip URLs that download.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createRecording, createUser, pauseCron } from "./fixtures.ts";
import {
  authEnv,
  FUNCTIONS_CONFIG,
  processedRecording,
  startTestAuth,
  storageEnv,
  userToken,
} from "./functions-helpers.ts";

let db: TestDatabase;
let s3: S3Endpoint;
let fn: DenoServer;
let auth: RunningAuthServer;
let alice: string; // Asia/Tokyo (+09:00)
let bob: string; // America/New_York (-05:00 in November)

/** A recording processed with `events` (offset ms); clips uploaded to s3rver. Returns its id. */
const processed = async (userId: string, startedAt: string, offsetsMs: number[]) =>
  (await processedRecording(db.sql, s3, userId, startedAt, offsetsMs)).id;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  auth = await startTestAuth(db.sql);
  await pauseCron(db.sql);
  alice = await createUser(db.sql, "Asia/Tokyo");
  bob = await createUser(db.sql, "America/New_York");
  // Alice: 2026-11-20 20:00 UTC is 05:00 on the 21st in Tokyo; the second recording is later that day.
  const damaged = await processed(alice, "2026-11-20T20:00:00Z", [60_000, 1_000]);
  const cutShort = await processed(alice, "2026-11-21T01:00:00Z", [30_000]);
  // Read only in part: the day says so, cut short and damaged apart (the page turns them into sentences).
  // The warnings as the report function writes them (apply-report.ts toDecodeWarning).
  await db.sql`update public.recordings set decode_warning = 'truncated at byte 4096: input ended early' where id = ${cutShort}`;
  await db.sql`update public.recordings set decode_warning = 'corrupt at byte 900 (1 damaged part(s) skipped): bad page' where id = ${damaged}`;
  // Alice, a pending recording on the same local day.
  await createRecording(db.sql, { userId: alice, startedAt: "2026-11-21T03:00:00Z" });
  // Bob: 2026-11-21 03:00 UTC is 22:00 on the 20th in New York (same UTC day as Alice's 21st).
  await processed(bob, "2026-11-21T03:00:00Z", [5_000]);

  fn = await startDenoServer("supabase/functions/laughs/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: {
      SUPABASE_DB_URL: db.url,
      ...authEnv(auth),
      CLIP_URL_TTL_SECONDS: "120",
      ...storageEnv(s3),
    },
  });
});

afterAll(async () => {
  await fn?.stop();
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

async function laughs(userId: string | null, query: string) {
  const headers: Record<string, string> =
    userId === null ? {} : { authorization: `Bearer ${await userToken(userId)}` };
  return await fetch(`${fn.url}/laughs${query}`, { headers });
}

describe("GET /laughs?date=", () => {
  it("returns the user's laughs of their local day, in order, with local times and working clip URLs", async () => {
    const res = await laughs(alice, "?date=2026-11-21");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const body = await res.json();
    expect(body).toMatchObject({
      date: "2026-11-21",
      timeZone: "Asia/Tokyo",
      summary: {
        laughs: 3,
        laughSeconds: 6,
        recordingsDone: 2,
        recordingsPending: 1,
        recordingsFailed: 0,
        recordingsWithDecodeWarning: 2,
        recordingsTruncated: 1,
        recordingsCorrupt: 1,
      },
    });
    expect(
      body.events.map((e: { startsAt: string; localTime: string }) => [e.startsAt, e.localTime]),
    ).toEqual([
      ["2026-11-20T20:00:01.000Z", "05:00:01"],
      ["2026-11-20T20:01:00.000Z", "05:01:00"],
      ["2026-11-21T01:00:30.000Z", "10:00:30"],
    ]);
    expect(body.events[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      startsAt: "2026-11-20T20:00:01.000Z",
      endsAt: "2026-11-20T20:00:03.000Z",
      localTime: "05:00:01",
      durationMs: 2000,
      peakProbability: expect.closeTo(0.9, 5),
      meanProbability: expect.closeTo(0.6, 5),
      className: "Laughter",
      note: null,
      clipUrl: expect.stringContaining("/clips/"),
    });
    for (const e of body.events) {
      const url = new URL(e.clipUrl);
      expect(url.searchParams.get("X-Amz-Expires")).toBe("120");
      const clip = await fetch(url);
      expect(clip.status).toBe(200);
      const key = decodeURIComponent(url.pathname.replace(/^\/clips\//, ""));
      expect(key.startsWith(`${alice}/`)).toBe(true);
      expect(await clip.text()).toBe(`clip ${key}`);
    }
  });

  it("each user sees only their own day: Bob's 20th, and nothing of Alice's", async () => {
    const bobs = await (await laughs(bob, "?date=2026-11-20")).json();
    expect(bobs).toMatchObject({
      date: "2026-11-20",
      timeZone: "America/New_York",
      summary: { laughs: 1, recordingsDone: 1 },
    });
    expect(bobs.events).toEqual([
      expect.objectContaining({ startsAt: "2026-11-21T03:00:05.000Z", localTime: "22:00:05" }),
    ]);
    const bobOnAlicesDay = await (await laughs(bob, "?date=2026-11-21")).json();
    expect(bobOnAlicesDay.events).toEqual([]);
    expect(bobOnAlicesDay.summary).toEqual({
      laughs: 0,
      laughSeconds: 0,
      recordingsDone: 0,
      recordingsPending: 0,
      recordingsFailed: 0,
      recordingsWithDecodeWarning: 0,
      recordingsTruncated: 0,
      recordingsCorrupt: 0,
    });
    const alicesEmptyDay = await (await laughs(alice, "?date=2026-11-20")).json();
    expect(alicesEmptyDay.events).toEqual([]);
  });

  it("a zone change leaves old days alone: their times stay in the zone they were lived in", async () => {
    const carol = await createUser(db.sql, "Asia/Tokyo");
    await processed(carol, "2026-11-20T20:00:00Z", [1_000]); // 05:00:01 on the 21st in Tokyo
    await db.sql`update public.profiles set time_zone = 'America/New_York' where user_id = ${carol}`;
    const day = await (await laughs(carol, "?date=2026-11-21")).json();
    expect(day.timeZone).toBe("Asia/Tokyo");
    expect(day.events.map((e: { localTime: string }) => e.localTime)).toEqual(["05:00:01"]);
    // A day with nothing recorded reads in today's zone.
    expect((await (await laughs(carol, "?date=2026-11-25")).json()).timeZone).toBe("America/New_York");
  });

  it("400 for a missing or malformed date, 401 without a token, 405 for POST", async () => {
    for (const query of [
      "",
      "?date=",
      "?date=yesterday",
      "?date=2026-13-01",
      "?date=2026-02-30",
      "?date=2026-1-5",
      // PostgreSQL has no year 0: this used to come back as a 500.
      "?date=0000-01-01",
      "?date=1999-12-31",
    ]) {
      const res = await laughs(alice, query);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.code).toBe("INVALID_QUERY");
    }
    expect((await laughs(null, "?date=2026-11-21")).status).toBe(401);
    const post = await fetch(`${fn.url}/laughs?date=2026-11-21`, {
      method: "POST",
      headers: { authorization: `Bearer ${await userToken(alice)}` },
    });
    expect(post.status).toBe(405);
  });
});
