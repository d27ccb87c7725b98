import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { createRecording, createUser, pauseCron } from "./fixtures.ts";

/**
 * The hourly sweep hands a local day to the queue once it has ended + grace (2 h) in the user's zone.
 * Each case pins the due instant to the minute: one minute before it nothing is queued, at it the day is.
 * A naive "local midnight + 24 h" would be off by an hour on DST days, which these boundaries catch.
 */
describe("queue.sweep", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
    await pauseCron(db.sql);
  });
  afterAll(() => db.stop());

  async function sweep(now: string) {
    const [row] = await db.sql`select * from queue.sweep(${new Date(now)})`;
    return row as { days_swept: number; jobs_enqueued: number };
  }

  async function queuedDates(userId: string): Promise<string[]> {
    const rows = await db.sql`
      select distinct r.local_date::text as d from queue.jobs j join public.recordings r on r.id = j.recording_id
      where j.user_id = ${userId} order by 1`;
    return rows.map((r) => r.d);
  }

  async function sweptDates(userId: string): Promise<string[]> {
    const rows =
      await db.sql`select local_date::text as d from queue.swept_days where user_id = ${userId} order by 1`;
    return rows.map((r) => r.d);
  }

  /** Expects `localDate` to be queued exactly from `dueAt` (UTC), not one minute before. */
  async function expectDueAt(userId: string, localDate: string, dueAt: string) {
    const before = new Date(new Date(dueAt).getTime() - 60_000).toISOString();
    await sweep(before);
    expect(await queuedDates(userId)).not.toContain(localDate);
    await sweep(dueAt);
    expect(await queuedDates(userId)).toContain(localDate);
  }

  it("America/New_York spring-forward day (23 h): local dates and due instant", async () => {
    const user = await createUser(db.sql, "America/New_York");
    const lateEvening = await createRecording(db.sql, { userId: user, startedAt: "2026-03-09T03:30:00Z" });
    const afterMidnight = await createRecording(db.sql, { userId: user, startedAt: "2026-03-09T04:10:00Z" });
    const dayBefore = await createRecording(db.sql, { userId: user, startedAt: "2026-03-08T04:50:00Z" });
    expect([dayBefore.localDate, lateEvening.localDate, afterMidnight.localDate]).toEqual([
      "2026-03-07",
      "2026-03-08",
      "2026-03-09",
    ]);
    // 2026-03-08 runs 05:00Z..04:00Z (EST -> EDT): due at 04:00Z + 2 h, not at 05:00Z + 2 h.
    await expectDueAt(user, "2026-03-08", "2026-03-09T06:00:00Z");
    expect(await queuedDates(user)).toEqual(["2026-03-07", "2026-03-08"]);
  });

  it("America/New_York fall-back day (25 h)", async () => {
    const user = await createUser(db.sql, "America/New_York");
    const lateEvening = await createRecording(db.sql, { userId: user, startedAt: "2026-11-02T04:30:00Z" });
    const earlyMorning = await createRecording(db.sql, { userId: user, startedAt: "2026-11-01T04:10:00Z" });
    expect([earlyMorning.localDate, lateEvening.localDate]).toEqual(["2026-11-01", "2026-11-01"]);
    // 2026-11-01 runs 04:00Z..05:00Z next day (EDT -> EST): due at 07:00Z, a naive 24 h would say 06:00Z.
    await expectDueAt(user, "2026-11-01", "2026-11-02T07:00:00Z");
  });

  it("Europe/London both DST changes", async () => {
    const user = await createUser(db.sql, "Europe/London");
    const spring = await createRecording(db.sql, { userId: user, startedAt: "2026-03-29T22:30:00Z" });
    const springNext = await createRecording(db.sql, { userId: user, startedAt: "2026-03-29T23:30:00Z" });
    const autumn = await createRecording(db.sql, { userId: user, startedAt: "2026-10-24T23:30:00Z" });
    expect([spring.localDate, springNext.localDate, autumn.localDate]).toEqual([
      "2026-03-29",
      "2026-03-30",
      "2026-10-25",
    ]);
    await expectDueAt(user, "2026-03-29", "2026-03-30T01:00:00Z"); // 23 h day ends 23:00Z
    await expectDueAt(user, "2026-10-25", "2026-10-26T02:00:00Z"); // 25 h day ends 00:00Z
  });

  it("Asia/Kolkata (+5:30)", async () => {
    const user = await createUser(db.sql, "Asia/Kolkata");
    const before = await createRecording(db.sql, { userId: user, startedAt: "2026-06-09T18:29:00Z" });
    const after = await createRecording(db.sql, { userId: user, startedAt: "2026-06-09T18:31:00Z" });
    expect([before.localDate, after.localDate]).toEqual(["2026-06-09", "2026-06-10"]);
    await expectDueAt(user, "2026-06-09", "2026-06-09T20:30:00Z");
    await expectDueAt(user, "2026-06-10", "2026-06-10T20:30:00Z");
  });

  it("Pacific/Chatham (+12:45 standard, +13:45 daylight)", async () => {
    const user = await createUser(db.sql, "Pacific/Chatham");
    const winterBefore = await createRecording(db.sql, { userId: user, startedAt: "2026-07-14T11:14:00Z" });
    const winterAfter = await createRecording(db.sql, { userId: user, startedAt: "2026-07-14T11:16:00Z" });
    const summer = await createRecording(db.sql, { userId: user, startedAt: "2026-01-14T10:20:00Z" });
    expect([winterBefore.localDate, winterAfter.localDate, summer.localDate]).toEqual([
      "2026-07-14",
      "2026-07-15",
      "2026-01-15",
    ]);
    await expectDueAt(user, "2026-01-15", "2026-01-15T12:15:00Z"); // ends 10:15Z (+13:45)
    await expectDueAt(user, "2026-07-14", "2026-07-14T13:15:00Z"); // ends 11:15Z (+12:45)
  });

  it("catches up every missed day at once, records them, and a re-run enqueues nothing", async () => {
    const user = await createUser(db.sql, "Europe/Berlin");
    const days = ["2026-08-01", "2026-08-02", "2026-08-04", "2026-08-07"];
    for (const day of days) {
      await createRecording(db.sql, { userId: user, startedAt: `${day}T10:00:00Z` });
      await createRecording(db.sql, { userId: user, startedAt: `${day}T14:00:00Z` });
    }
    // Today (still running) is never swept.
    await createRecording(db.sql, { userId: user, startedAt: "2026-08-10T09:00:00Z" });
    const first = await sweep("2026-08-10T12:00:00Z");
    expect(first.jobs_enqueued).toBeGreaterThanOrEqual(8);
    expect(await queuedDates(user)).toEqual(days);
    expect(await sweptDates(user)).toEqual(days);
    const [{ count }] = await db.sql`select count(*)::int from queue.jobs where user_id = ${user}`;
    expect(count).toBe(8);

    const again = await sweep("2026-08-10T12:00:00Z");
    expect(again).toEqual({ days_swept: 0, jobs_enqueued: 0 });
    const [{ count: still }] = await db.sql`select count(*)::int from queue.jobs where user_id = ${user}`;
    expect(still).toBe(8);
  });

  it("a recording registered after its day was swept is queued at once; others wait", async () => {
    const user = await createUser(db.sql, "Asia/Kolkata");
    await createRecording(db.sql, { userId: user, startedAt: "2026-09-01T06:00:00Z" });
    await sweep("2026-09-02T12:00:00Z");
    expect(await sweptDates(user)).toEqual(["2026-09-01"]);

    const late = await createRecording(db.sql, { userId: user, startedAt: "2026-09-01T16:00:00Z" });
    expect(late.localDate).toBe("2026-09-01");
    const [lateRow] = await db.sql`select status from public.recordings where id = ${late.id}`;
    expect(lateRow.status).toBe("queued");
    const [{ count }] = await db.sql`select count(*)::int from queue.jobs where recording_id = ${late.id}`;
    expect(count).toBe(1);

    const unswept = await createRecording(db.sql, { userId: user, startedAt: "2026-09-05T06:00:00Z" });
    const [row] = await db.sql`select status from public.recordings where id = ${unswept.id}`;
    expect(row.status).toBe("pending");
  });

  it("skips inactive users until they are reactivated", async () => {
    const user = await createUser(db.sql, "UTC");
    await db.sql`update public.profiles set is_active = false where user_id = ${user}`;
    await createRecording(db.sql, { userId: user, startedAt: "2026-09-10T06:00:00Z" });
    await sweep("2026-09-12T00:00:00Z");
    expect(await queuedDates(user)).toEqual([]);
    await db.sql`update public.profiles set is_active = true where user_id = ${user}`;
    await sweep("2026-09-12T00:00:00Z");
    expect(await queuedDates(user)).toEqual(["2026-09-10"]);
  });
});

describe("queue.kick_dispatch (local NOTIFY path)", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
    await pauseCron(db.sql);
  });
  afterAll(() => db.stop());

  it("is idle without runnable jobs and NOTIFYs giggles_dispatch when there are some", async () => {
    const payloads: string[] = [];
    const listener = await db.sql.listen("giggles_dispatch", (payload) => payloads.push(payload));
    try {
      const [{ kick: idle }] = await db.sql`select queue.kick_dispatch() as kick`;
      expect(idle).toBe("idle");

      const user = await createUser(db.sql, "UTC");
      const recording = await createRecording(db.sql, { userId: user, startedAt: "2026-09-10T06:00:00Z" });
      await db.sql`select queue.enqueue(${recording.id})`;
      const [{ kick }] = await db.sql`select queue.kick_dispatch() as kick`;
      expect(kick).toBe("notify");

      const deadline = Date.now() + 5000;
      while (payloads.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(payloads).toHaveLength(1);
      expect(JSON.parse(payloads[0])).toMatchObject({ runnable: 1 });
    } finally {
      await listener.unlisten();
    }
  });
});
