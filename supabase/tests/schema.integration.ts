import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { createRecording, createUser } from "./fixtures.ts";

const PUBLIC_TABLES = [
  "job_runs",
  "laughter_event_deletions",
  "laughter_events",
  "profile_time_zones",
  "profiles",
  "recordings",
  "reprocess_requests",
];

// Signatures other code calls; a change here is an API change (update supabase/README.md too).
const QUEUE_FUNCTIONS = [
  "queue.claim(integer,interval,text,text)",
  "queue.complete(bigint,uuid,jsonb,jsonb,text)",
  "queue.enqueue(uuid,boolean,text)",
  "queue.fail(bigint,uuid,text,boolean,jsonb,interval,interval)",
  "queue.heartbeat(bigint,uuid,interval)",
  "queue.kick_dispatch()",
  "queue.reap_expired_leases(timestamp with time zone)",
  "queue.release(bigint,uuid,interval)",
  "queue.reprocess(uuid,date,date)",
  "queue.sweep(timestamp with time zone,interval)",
];

describe("migrations", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(() => db.stop());

  it("create the public tables, each commented and with RLS enabled", async () => {
    const rows = await db.sql`
      select c.relname as name, c.relrowsecurity as rls, obj_description(c.oid, 'pg_class') is not null as commented
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' order by 1`;
    expect(rows.map((r) => r.name)).toEqual(PUBLIC_TABLES);
    for (const row of rows) expect(row, row.name).toMatchObject({ rls: true, commented: true });
  });

  it("create the security_invoker daily_summary view", async () => {
    const [view] = await db.sql`
      select c.reloptions from pg_class c where c.oid = 'public.daily_summary'::regclass`;
    expect(view.reloptions).toContain("security_invoker=true");
  });

  it("create the queue tables and the queue API", async () => {
    const [tables] = await db.sql`
      select to_regclass('queue.jobs') is not null as jobs, to_regclass('queue.swept_days') is not null as swept`;
    expect(tables).toEqual({ jobs: true, swept: true });
    for (const signature of QUEUE_FUNCTIONS) {
      const [row] = await db.sql`select to_regprocedure(${signature}) is not null as exists`;
      expect(row.exists, signature).toBe(true);
    }
  });

  it("register the pg_cron schedules", async () => {
    const jobs = await db.sql`select jobname, schedule, command, database from cron.job order by jobname`;
    expect(jobs).toEqual([
      {
        jobname: "giggles-cron-history-cleanup",
        schedule: "23 3 * * *",
        command: "delete from cron.job_run_details where end_time < now() - interval '7 days'",
        database: "postgres",
      },
      {
        jobname: "giggles-expire-uploads",
        schedule: "37 * * * *",
        command: "select queue.expire_uploads()",
        database: "postgres",
      },
      {
        jobname: "giggles-kick-dispatch",
        schedule: "* * * * *",
        command: "select queue.kick_dispatch()",
        database: "postgres",
      },
      {
        jobname: "giggles-kick-ingest",
        schedule: "* * * * *",
        command: "select queue.kick_ingest()",
        database: "postgres",
      },
      {
        jobname: "giggles-plan-audio-deletion",
        schedule: "17 * * * *",
        command: "select queue.plan_audio_deletion()",
        database: "postgres",
      },
      {
        jobname: "giggles-plan-ingest",
        schedule: "5 * * * *",
        command: "select queue.plan_ingest()",
        database: "postgres",
      },
      {
        jobname: "giggles-reap-expired-leases",
        schedule: "* * * * *",
        command: "select queue.reap_expired_leases()",
        database: "postgres",
      },
      {
        jobname: "giggles-sweep",
        schedule: "7 * * * *",
        command: "select queue.sweep()",
        database: "postgres",
      },
    ]);
  });

  // pg_cron runs each command as the job's owner (postgres); running them here proves they execute, without
  // waiting for a minute boundary.
  it("the scheduled commands run as their owner", async () => {
    const jobs = await db.sql`select jobname, username, command from cron.job order by jobname`;
    for (const job of jobs) {
      expect(job.username, job.jobname).toBe("postgres");
      await db.sql.unsafe(job.command);
    }
  });
});

describe("profiles and recordings", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(() => db.stop());

  async function zoneOf(userId: string): Promise<string> {
    const [row] = await db.sql`select time_zone from public.profiles where user_id = ${userId}`;
    return row.time_zone;
  }

  it("sign-up creates the profile with the requested zone, falling back to UTC", async () => {
    expect(await zoneOf(await createUser(db.sql, "America/New_York"))).toBe("America/New_York");
    expect(await zoneOf(await createUser(db.sql, "Mars/Olympus"))).toBe("UTC");
    expect(await zoneOf(await createUser(db.sql, ""))).toBe("UTC");
    expect(await zoneOf(await createUser(db.sql))).toBe("UTC");
  });

  it("rejects an invalid zone on update with a clear message", async () => {
    const userId = await createUser(db.sql, "UTC");
    const error =
      await db.sql`update public.profiles set time_zone = 'Mars/Olympus' where user_id = ${userId}`.catch(
        (e) => e,
      );
    expect(error.code).toBe("22023");
    expect(error.message).toMatch(/^INVALID_TIME_ZONE: "Mars\/Olympus"/);
  });

  it("deleting the auth user cascades to profile, recordings and jobs", async () => {
    const userId = await createUser(db.sql, "UTC");
    const { id } = await createRecording(db.sql, { userId, startedAt: "2026-02-01T00:00:00Z" });
    await db.sql`select queue.enqueue(${id})`;
    await db.sql`delete from auth.users where id = ${userId}`;
    const [row] = await db.sql`
      select (select count(*)::int from public.profiles where user_id = ${userId}) as profiles,
             (select count(*)::int from public.recordings where user_id = ${userId}) as recordings,
             (select count(*)::int from queue.jobs where user_id = ${userId}) as jobs`;
    expect(row).toEqual({ profiles: 0, recordings: 0, jobs: 0 });
  });

  it("computes local_date from the profile zone, ignoring a client-sent value, and freezes the zone", async () => {
    const userId = await createUser(db.sql, "Pacific/Chatham");
    const [row] = await db.sql`
      insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes, local_date)
      values (${userId}, ${`${userId}/a.ogg`}, '2026-07-14T11:16:00Z', '2026-07-14T11:46:00Z', 'ogg-opus', 1, '1999-01-01')
      returning local_date::text, time_zone`;
    expect(row).toEqual({ local_date: "2026-07-15", time_zone: "Pacific/Chatham" });
    await db.sql`update public.profiles set time_zone = 'UTC' where user_id = ${userId}`;
    const [after] = await db.sql`
      update public.recordings set started_at = '2026-07-14T11:14:00Z' where user_id = ${userId}
      returning local_date::text, time_zone`;
    expect(after).toEqual({ local_date: "2026-07-14", time_zone: "Pacific/Chatham" });
  });

  it("register_recording answers the day (and keys the object) in the zone in force when the recording started", async () => {
    const userId = await createUser(db.sql, "Asia/Tokyo");
    // The move to New York happened an hour ago; the recording is of Tokyo, two days ago, 23:30–23:50 there.
    await db.sql`update public.profiles set time_zone = 'America/New_York' where user_id = ${userId}`;
    await db.sql`update public.profile_time_zones set effective_from = now() - interval '1 hour'
                 where user_id = ${userId} and time_zone = 'America/New_York'`;
    const [tokyoNight] = await db.sql`
      select (date_trunc('day', now() at time zone 'Asia/Tokyo') - interval '2 days' + interval '23 hours 30 minutes')
             at time zone 'Asia/Tokyo' as started_at`;
    const startedAt: Date = tokyoNight.started_at;
    const [registered] = await db.sql`
      select r.local_date::text, r.time_zone, r.object_key, r.recording_id
      from queue.register_recording(${userId}::uuid, ${startedAt}, ${new Date(startedAt.getTime() + 20 * 60_000)},
                                    'ogg-opus', 1000) r`;
    const [stored] = await db.sql`
      select local_date::text, time_zone from public.recordings where id = ${registered.recording_id}`;
    expect(registered.time_zone).toBe("Asia/Tokyo");
    expect(registered.local_date).toBe(stored.local_date);
    expect(stored.time_zone).toBe("Asia/Tokyo");
    expect(registered.object_key).toBe(`${userId}/${stored.local_date}/${registered.recording_id}.ogg`);
    // A recording after the move is a New York day.
    const now = new Date();
    const [after] = await db.sql`
      select r.time_zone from queue.register_recording(${userId}::uuid, ${new Date(now.getTime() - 20 * 60_000)},
                                                       ${now}, 'wav', 1000) r`;
    expect(after.time_zone).toBe("America/New_York");
  });

  it("enforces the recording checks", async () => {
    const userId = await createUser(db.sql, "UTC");
    const insert = (ended: string, format: string) =>
      db.sql`insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
             values (${userId}, ${crypto.randomUUID()}, '2026-01-01T10:00:00Z', ${ended}, ${format}, 1)`.catch(
        (e) => e.constraint_name,
      );
    expect(await insert("2026-01-01T10:00:00Z", "wav")).toBe("recordings_ended_after_started");
    expect(await insert("2026-01-01T11:00:00Z", "aac")).toBe("recordings_format_known");
    const key = crypto.randomUUID();
    await db.sql`insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
                 values (${userId}, ${key}, '2026-01-01T10:00:00Z', '2026-01-01T10:30:00Z', 'flac', 1)`;
    const duplicate = await db.sql`
      insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
      values (${userId}, ${key}, '2026-01-01T10:00:00Z', '2026-01-01T10:30:00Z', 'flac', 1)`.catch(
      (e) => e.code,
    );
    expect(duplicate).toBe("23505");
  });
});
