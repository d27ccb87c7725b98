/**
 * Limitless ingestion in SQL (20261201004000_limitless_ingest.sql, 20261201004010_raw_audio_retention.sql):
 * window planning per finished local day (DST, +5:30, +12:45), idempotence and backfill, the state of a
 * window after each upstream answer, the concurrency limits of claim_ingest, who can read the keys, and
 * the raw-audio retention. The Edge Function side is in functions-ingest.integration.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { asRole, createUser, event, pauseCron } from "./fixtures.ts";

const HOUR_MS = 3_600_000;
const FAKE_CIPHERTEXT = Buffer.from("not-a-real-ciphertext-0123456789");
const FAKE_IV = Buffer.alloc(12, 7);

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
  await pauseCron(db.sql);
});
afterAll(() => db.stop());

async function storeKey(userId: string): Promise<number> {
  const [row] = await db.sql`
    select queue.store_limitless_key(${userId}::uuid, ${FAKE_CIPHERTEXT}, ${FAKE_IV}, 1) as planned`;
  return row.planned as number;
}

async function plan(now: string, userId: string | null = null) {
  const [row] = await db.sql`select * from queue.plan_ingest(${new Date(now)}, ${userId}::uuid)`;
  return row as {
    windows_planned: number;
    jobs_enqueued: number;
    no_audio_requeued: number;
    dead_revived: number;
  };
}

interface WindowRow {
  window_id: string;
  local_date: string;
  starts_at: Date;
  ends_at: Date;
  state: string;
  job_id: string;
  last_error: string | null;
}

async function windows(userId: string, localDate?: string): Promise<WindowRow[]> {
  return await db.sql<WindowRow[]>`
    select window_id, local_date::text as local_date, starts_at, ends_at, state, job_id, last_error
    from queue.ingest_window_states
    where user_id = ${userId} and (${localDate ?? null}::date is null or local_date = ${localDate ?? null}::date)
    order by starts_at`;
}

/** Claims every claimable ingest job (as many calls as the concurrency limits need). */
async function claimAll() {
  return await db.sql`select * from queue.claim_ingest(100, '5 minutes', 'test')`;
}

async function setSettings(values: Record<string, string | number>) {
  await db.sql`update queue.ingest_settings set ${db.sql(values)}`;
}

describe("queue.plan_ingest: windows of finished local days", () => {
  beforeEach(() => setSettings({ backfill_days: 7, per_user_concurrency: 100, global_concurrency: 100 }));

  it.each([
    // zone, local day, expected window count, day length in hours, first window start (UTC)
    ["America/New_York", "2026-03-08", 12, 23, "2026-03-08T05:00:00.000Z"],
    ["America/New_York", "2026-11-01", 13, 25, "2026-11-01T04:00:00.000Z"],
    ["Asia/Kolkata", "2026-06-10", 12, 24, "2026-06-09T18:30:00.000Z"],
    ["Pacific/Chatham", "2026-06-10", 12, 24, "2026-06-09T11:15:00.000Z"],
    ["Europe/London", "2026-03-29", 12, 23, "2026-03-29T00:00:00.000Z"],
  ])(
    "%s %s: %i windows of ≤ 2 h covering %i h from local midnight",
    async (zone, day, count, hours, first) => {
      const user = await createUser(db.sql, zone);
      await db.sql`insert into private.limitless_keys (user_id, ciphertext, iv, kek_version)
                 values (${user}, ${FAKE_CIPHERTEXT}, ${FAKE_IV}, 1)`;
      // Two days after the day: it and the one after are finished (+ grace), nothing later.
      const dayEnd = new Date(new Date(first).getTime() + hours * HOUR_MS);
      await plan(new Date(dayEnd.getTime() + 2 * HOUR_MS).toISOString(), user);
      const rows = await windows(user, day);
      expect(rows).toHaveLength(count);
      expect(rows[0].starts_at.toISOString()).toBe(first);
      expect(rows.at(-1)?.ends_at.toISOString()).toBe(dayEnd.toISOString());
      for (const [i, w] of rows.entries()) {
        expect(w.ends_at.getTime() - w.starts_at.getTime()).toBeLessThanOrEqual(2 * HOUR_MS);
        if (i > 0) expect(w.starts_at.getTime()).toBe(rows[i - 1].ends_at.getTime());
        expect(w.state).toBe("pending");
      }
      // One minute earlier the day is not finished + grace: nothing of it is planned.
      const other = await createUser(db.sql, zone);
      await db.sql`insert into private.limitless_keys (user_id, ciphertext, iv, kek_version)
                 values (${other}, ${FAKE_CIPHERTEXT}, ${FAKE_IV}, 1)`;
      await plan(new Date(dayEnd.getTime() + 2 * HOUR_MS - 60_000).toISOString(), other);
      expect(await windows(other, day)).toHaveLength(0);
    },
  );

  it("plans the last backfill_days at once, is idempotent, and skips users without a key", async () => {
    const user = await createUser(db.sql, "Europe/Berlin");
    const keyless = await createUser(db.sql, "Europe/Berlin");
    const first = await plan("2026-07-20T12:00:00Z");
    expect(first.windows_planned).toBeGreaterThanOrEqual(0);
    expect(await windows(keyless)).toHaveLength(0);
    await db.sql`insert into private.limitless_keys (user_id, ciphertext, iv, kek_version)
                 values (${user}, ${FAKE_CIPHERTEXT}, ${FAKE_IV}, 1)`;
    const planned = await plan("2026-07-20T12:00:00Z", user);
    // Days 07-13 .. 07-19 (7 days × 12 windows); 07-20 has not ended.
    expect(planned).toEqual({
      windows_planned: 84,
      jobs_enqueued: 84,
      no_audio_requeued: 0,
      dead_revived: 0,
      short_requeued: 0,
    });
    const dates = [...new Set((await windows(user)).map((w) => w.local_date))];
    expect(dates).toEqual([
      "2026-07-13",
      "2026-07-14",
      "2026-07-15",
      "2026-07-16",
      "2026-07-17",
      "2026-07-18",
      "2026-07-19",
    ]);
    expect(await plan("2026-07-20T12:30:00Z", user)).toEqual({
      windows_planned: 0,
      jobs_enqueued: 0,
      no_audio_requeued: 0,
      dead_revived: 0,
      short_requeued: 0,
    });
  });

  it("a time-zone change after a week adds only uncovered UTC time: no overlapping windows or recordings", async () => {
    // Only this user's windows are claimable.
    await db.sql`update queue.jobs set status = 'done', lease_token = null where kind = 'ingest' and status <> 'done'`;
    const user = await createUser(db.sql, "Europe/Berlin");
    await db.sql`insert into private.limitless_keys (user_id, ciphertext, iv, kek_version)
                 values (${user}, ${FAKE_CIPHERTEXT}, ${FAKE_IV}, 1)`;
    expect((await plan("2026-07-20T12:00:00Z", user)).windows_planned).toBe(84);
    // The week is downloaded.
    for (const job of await claimAll()) {
      await db.sql`select queue.complete_ingest(${job.job_id}, ${job.lease_token}, 1000, 7200000)`;
    }
    const before = await windows(user);
    await db.sql`update public.profiles set time_zone = 'America/Los_Angeles' where user_id = ${user}`;
    const replanned = await plan("2026-07-21T12:00:00Z", user);
    // Only the time after the last Berlin window (07-19 22:00Z) up to the end of LA's 07-20 (07-21 07:00Z).
    const added = (await windows(user)).filter((w) => !before.some((b) => b.window_id === w.window_id));
    expect(replanned.windows_planned).toBe(added.length);
    expect(added[0].starts_at.toISOString()).toBe("2026-07-19T22:00:00.000Z");
    expect(added.at(-1)?.ends_at.toISOString()).toBe("2026-07-21T07:00:00.000Z");
    expect(added.reduce((ms, w) => ms + (w.ends_at.getTime() - w.starts_at.getTime()), 0)).toBe(33 * HOUR_MS);
    expect(before.every((b) => b.state === "downloaded")).toBe(true);
    for (const job of await claimAll()) {
      expect(added.some((w) => w.window_id === String(job.window_id))).toBe(true);
      await db.sql`select queue.complete_ingest(${job.job_id}, ${job.lease_token}, 1000)`;
    }
    const [{ windowPairs, recordingPairs }] = await db.sql`
      select (select count(*)::int from queue.ingest_windows a join queue.ingest_windows b
                on a.user_id = b.user_id and a.id < b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
              where a.user_id = ${user}) as "windowPairs",
             (select count(*)::int from public.recordings a join public.recordings b
                on a.user_id = b.user_id and a.id < b.id and a.started_at < b.ended_at and b.started_at < a.ended_at
              where a.user_id = ${user}) as "recordingPairs"`;
    expect({ windowPairs, recordingPairs }).toEqual({ windowPairs: 0, recordingPairs: 0 });
    expect(await plan("2026-07-21T13:00:00Z", user)).toMatchObject({ windows_planned: 0, jobs_enqueued: 0 });
  });
});

describe("window states after each answer", () => {
  let user: string;

  beforeEach(async () => {
    await setSettings({
      backfill_days: 1,
      per_user_concurrency: 100,
      global_concurrency: 100,
      max_attempts: 3,
    });
    await db.sql`update queue.jobs set status = 'done', lease_token = null where kind = 'ingest' and status <> 'done'`;
    user = await createUser(db.sql, "UTC");
  });

  async function claimWindow(windowId: string) {
    const claimed = await claimAll();
    const mine = claimed.find((c) => String(c.window_id) === windowId);
    if (mine === undefined) throw new Error(`window ${windowId} was not claimed`);
    return mine;
  }

  it("store_limitless_key plans the backfill; 200 creates the recording and queues detection, once", async () => {
    const now = Date.now();
    expect(await storeKey(user)).toBe(12);
    const [w] = await windows(user);
    const job = await claimWindow(w.window_id);
    expect(job.object_key).toMatch(new RegExp(`^${user}/\\d{4}-\\d{2}-\\d{2}/limitless-\\d+-\\d+\\.ogg$`));
    const [{ outcome }] = await db.sql`
      select queue.complete_ingest(${job.job_id}, ${job.lease_token}, 1234) as outcome`;
    expect(outcome).toMatchObject({ status: "done", created: true });
    const [recording] = await db.sql`select * from public.recordings where id = ${outcome.recording_id}`;
    expect(recording).toMatchObject({ source: "limitless", format: "ogg-opus", status: "queued" });
    expect(recording.started_at.getTime()).toBe(w.starts_at.getTime());
    expect(Number(recording.size_bytes)).toBe(1234);
    const [detect] =
      await db.sql`select status from queue.jobs where kind = 'detect' and recording_id = ${recording.id}`;
    expect(detect.status).toBe("queued");
    expect((await windows(user))[0].state).toBe("downloaded");
    // A same-lease retry returns the stored outcome; planning again never re-queues the window.
    const [again] = await db.sql`select queue.complete_ingest(${job.job_id}, ${job.lease_token}, 1234) as o`;
    expect(again.o).toEqual(outcome);
    await plan(new Date(now + 3 * HOUR_MS).toISOString());
    expect((await claimAll()).some((c) => String(c.window_id) === w.window_id)).toBe(false);
  });

  it("404 → no_audio, asked again on later sweeps within the recheck period, then left", async () => {
    await storeKey(user);
    const [w] = await windows(user);
    const job = await claimWindow(w.window_id);
    await db.sql`select queue.ingest_no_audio(${job.job_id}, ${job.lease_token})`;
    expect((await windows(user))[0].state).toBe("no_audio");
    const windowEnd = w.ends_at.getTime();
    // Too soon after the last check: not yet.
    let planned = await plan(new Date(Date.now() + 10 * 60_000).toISOString(), user);
    expect(planned.no_audio_requeued).toBe(0);
    planned = await plan(new Date(Date.now() + HOUR_MS).toISOString(), user);
    expect(planned.no_audio_requeued).toBe(1);
    expect((await windows(user))[0].state).toBe("pending");
    const second = await claimWindow(w.window_id);
    expect(second.attempt).toBe(1);
    await db.sql`select queue.ingest_no_audio(${second.job_id}, ${second.lease_token})`;
    // 72 h after the window's end it is no longer asked.
    planned = await plan(new Date(windowEnd + 72 * HOUR_MS + 60_000).toISOString(), user);
    expect(planned.no_audio_requeued).toBe(0);
    expect((await windows(user))[0].state).toBe("no_audio");
  });

  it("401 → key invalid, the user's windows wait without burning attempts until a new key", async () => {
    await storeKey(user);
    const [w] = await windows(user);
    const job = await claimWindow(w.window_id);
    const [key] = await db.sql`select key_id from private.limitless_keys where user_id = ${user}`;
    await db.sql`select queue.ingest_key_rejected(${job.job_id}, ${job.lease_token}, ${key.key_id})`;
    const [status] = await db.sql`select * from queue.limitless_key_status(${user})`;
    expect(status.status).toBe("invalid");
    expect(status.invalid_since).toBeInstanceOf(Date);
    expect((await claimAll()).filter((c) => c.user_id === user)).toHaveLength(0);
    const [row] = await db.sql`select attempts, status from queue.jobs where id = ${job.job_id}`;
    expect(row).toEqual({ attempts: 0, status: "queued" });
    // Nothing claimable: the minute kick stays quiet.
    const [{ kick }] = await db.sql`select queue.kick_ingest() as kick`;
    expect(kick).toBe("idle");
    // A 401 seen with the old key after a new one was stored does not invalidate the new one.
    await storeKey(user);
    const again = await claimWindow(w.window_id);
    await db.sql`select queue.ingest_key_rejected(${again.job_id}, ${again.lease_token}, ${key.key_id})`;
    const [after] = await db.sql`select * from queue.limitless_key_status(${user})`;
    expect(after.status).toBe("valid");
  });

  it("5xx → backoff, then dead-lettered and listed as failed with its reason; an operator re-queues it", async () => {
    await storeKey(user);
    const [w] = await windows(user);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await db.sql`update queue.jobs set run_at = now() where id = ${w.job_id}`;
      const job = await claimWindow(w.window_id);
      const [{ r }] = await db.sql`
        select queue.fail(${job.job_id}, ${job.lease_token}, 'UPSTREAM_5XX: HTTP 503', true) as r`;
      expect(r.status).toBe(attempt < 3 ? "queued" : "dead");
    }
    const [failed] = await windows(user);
    expect(failed).toMatchObject({ state: "failed", last_error: "UPSTREAM_5XX: HTTP 503" });
    expect(await plan(new Date(Date.now() + HOUR_MS).toISOString(), user)).toMatchObject({
      jobs_enqueued: 0,
    });
    expect((await windows(user))[0].state).toBe("failed");
    const [{ n }] = await db.sql`
      select queue.retry_ingest_windows(${user}, ${failed.local_date}, ${failed.local_date}) as n`;
    expect(n).toBe(1);
    expect((await windows(user))[0].state).toBe("pending");
  });

  it("complete_ingest refuses a window another recording of the user overlaps (like uploads)", async () => {
    await storeKey(user);
    const [w] = await windows(user);
    await db.sql`select * from queue.register_recording(${user}::uuid, ${new Date(w.starts_at.getTime() + 60_000)},
                                                        ${new Date(w.starts_at.getTime() + 600_000)}, 'ogg-opus', 10)`;
    const job = await claimWindow(w.window_id);
    const refused = await db.sql`select queue.complete_ingest(${job.job_id}, ${job.lease_token}, 1234)`.catch(
      (error: { code?: string }) => error.code,
    );
    expect(refused).toBe("GQ011");
    const [{ n }] = await db.sql`select count(*)::int as n from public.recordings where user_id = ${user}`;
    expect(n).toBe(1);
  });

  it("the production backoff spreads a window's attempts over about three days; the planner revives dead ones", async () => {
    await db.sql`update queue.ingest_settings
                 set max_attempts = default, backoff_base = default, backoff_max = default`;
    await storeKey(user);
    const [w] = await windows(user);
    let simulatedMs = 0;
    let state = "queued";
    let failures = 0;
    while (state !== "dead") {
      await db.sql`update queue.jobs set run_at = now() where id = ${w.job_id}`;
      const job = await claimWindow(w.window_id);
      const [{ r }] = await db.sql`
        select queue.ingest_failed(${job.job_id}, ${job.lease_token}, 'UPSTREAM_5XX: HTTP 503') as r`;
      failures++;
      state = r.status;
      if (state === "queued") simulatedMs += new Date(r.run_at).getTime() - Date.now();
      if (simulatedMs <= HOUR_MS) expect(state, `after ${failures} failures`).toBe("queued");
    }
    expect(simulatedMs).toBeGreaterThan(72 * HOUR_MS);
    expect(simulatedMs).toBeLessThan(80 * HOUR_MS);
    // Dead: left alone for dead_revive_after (24 h), then queued again with fresh attempts.
    expect((await windows(user))[0].state).toBe("failed");
    expect((await plan(new Date(Date.now() + HOUR_MS).toISOString(), user)).dead_revived).toBe(0);
    expect((await plan(new Date(Date.now() + 25 * HOUR_MS).toISOString(), user)).dead_revived).toBe(1);
    const [revived] = await windows(user);
    expect(revived.state).toBe("pending");
    const [{ attempts }] = await db.sql`select attempts from queue.jobs where id = ${revived.job_id}`;
    expect(attempts).toBe(0);
  });

  it("per-user and global concurrency limits", async () => {
    await setSettings({ per_user_concurrency: 2, global_concurrency: 3 });
    const other = await createUser(db.sql, "UTC");
    await storeKey(user);
    await storeKey(other);
    const first = await claimAll();
    expect(first).toHaveLength(3);
    const perUser = new Map<string, number>();
    for (const c of first) perUser.set(c.user_id, (perUser.get(c.user_id) ?? 0) + 1);
    expect(Math.max(...perUser.values())).toBe(2);
    expect(await claimAll()).toHaveLength(0);
    await db.sql`select queue.ingest_no_audio(${first[0].job_id}, ${first[0].lease_token})`;
    expect(await claimAll()).toHaveLength(1);
  });
});

describe("who can read the keys", () => {
  it("anon, authenticated and service_role cannot read private.limitless_keys; users call no key function", async () => {
    const user = await createUser(db.sql, "UTC");
    await storeKey(user);
    for (const role of ["anon", "authenticated", "service_role"] as const) {
      const code = await asRole(db.sql, role, role === "anon" ? null : user, async (tx) => {
        try {
          await tx`select ciphertext from private.limitless_keys`;
          return "ok";
        } catch (error) {
          return (error as { code: string }).code;
        }
      });
      expect(code, role).toBe("42501");
    }
    for (const fn of ["claim_ingest(1)", `limitless_key_status('${user}')`]) {
      const code = await asRole(db.sql, "authenticated", user, async (tx) => {
        try {
          await tx.unsafe(`select * from queue.${fn}`);
          return "ok";
        } catch (error) {
          return (error as { code: string }).code;
        }
      });
      expect(code, fn).toBe("42501");
    }
  });
});

describe("raw audio retention", () => {
  it("deletes raw audio N days after detection; rows, events stay; reprocess skips deleted audio", async () => {
    const user = await createUser(db.sql, "UTC");
    const [rec] = await db.sql`
      insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
      values (${user}, ${`${user}/x.ogg`}, '2026-05-01T10:00:00Z', '2026-05-01T11:00:00Z', 'ogg-opus', 10)
      returning id, local_date::text as local_date`;
    await db.sql`update queue.jobs set run_at = now() + interval '1 day' where status = 'queued'`;
    await db.sql`select queue.enqueue(${rec.id})`;
    const [claim] = await db.sql`select * from queue.claim(1)`;
    await db.sql`select queue.complete(${claim.job_id}, ${claim.lease_token}, ${db.sql.json([event(100)])}, '{}', 'm@1')`;
    const sixDays = new Date(Date.now() + 6 * 24 * HOUR_MS);
    expect((await db.sql`select queue.plan_audio_deletion(${sixDays}) as n`)[0].n).toBe(0);
    const eightDays = new Date(Date.now() + 8 * 24 * HOUR_MS);
    expect((await db.sql`select queue.plan_audio_deletion(${eightDays}) as n`)[0].n).toBe(1);
    expect((await db.sql`select queue.plan_audio_deletion(${eightDays}) as n`)[0].n).toBe(0);
    const [del] = await db.sql`select * from queue.claim(1, '5 minutes', 'test', 'delete')`;
    expect(del.object_key).toBe(`${user}/x.ogg`);
    await db.sql`select queue.complete_audio_deletion(${del.job_id}, ${del.lease_token})`;
    const [after] = await db.sql`select status, audio_deleted_at from public.recordings where id = ${rec.id}`;
    expect(after.status).toBe("done");
    expect(after.audio_deleted_at).toBeInstanceOf(Date);
    const [{ n }] =
      await db.sql`select count(*)::int as n from public.laughter_events where recording_id = ${rec.id}`;
    expect(n).toBe(1);
    const [{ requeued }] = await db.sql`
      select queue.reprocess(${user}, ${rec.local_date}, ${rec.local_date}) as requeued`;
    expect(requeued).toBe(0);
  });
});
