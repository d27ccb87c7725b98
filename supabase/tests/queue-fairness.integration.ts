/**
 * Leases that count only started work (issue 19 item 4) and a fair queue (issue 21): node crashes while
 * it holds unstarted jobs, per-user interleaving at claim time, reprocess of running and dead jobs,
 * coalesced and capped reprocess requests.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { createRecording, createUser, event, pauseCron } from "./fixtures.ts";

const MODEL = "yamnet-test@1";

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
  await pauseCron(db.sql);
});
afterAll(() => db.stop());

beforeEach(async () => {
  // Every case starts from an empty queue: claims see only that case's jobs.
  await db.sql`delete from public.recordings`;
  await db.sql`update queue.queue_settings set max_outstanding_per_user = 1000, max_dead_retries = 3`;
});

/** `count` queued recordings of a new user, one per hour from `day`; returns their job ids in order. */
async function queuedJobs(userId: string, count: number, day = "2026-05-01"): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const { id } = await createRecording(db.sql, {
      userId,
      startedAt: new Date(Date.parse(`${day}T00:00:00Z`) + i * 3_600_000),
    });
    const [{ job_id }] = await db.sql`select queue.enqueue(${id}) as job_id`;
    ids.push(Number(job_id));
  }
  return ids;
}

interface Claim {
  job_id: string;
  lease_token: string;
  user_id: string;
  attempt: number;
}

async function claim(count: number, node = "node-a"): Promise<Claim[]> {
  return await db.sql<Claim[]>`
    select job_id::text, lease_token::text, user_id::text, attempt
    from queue.claim(${count}, '15 minutes', ${node})`;
}

/** Completes a claimed job as the report function would; false when its lease was voided (GQ002). */
async function complete(job: Claim): Promise<boolean> {
  try {
    await db.sql`select queue.complete(${job.job_id}::bigint, ${job.lease_token}::uuid,
                                       ${db.sql.json([event(1000)])}, '{}', ${MODEL})`;
    return true;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "GQ002") return false;
    throw error;
  }
}

/** POST /me/reprocess as the `me` function runs it: user_api.request_reprocess with the user's claims. */
async function requestAsUser(userId: string, from: string, to: string): Promise<string> {
  return await db.sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    await tx`set local role authenticated`;
    const [row] =
      await tx`select request_id::text from user_api.request_reprocess(${from}::date, ${to}::date)`;
    return row.request_id as string;
  });
}

/** The node died: every lease it holds runs out and the reaper runs. */
async function crash(): Promise<number> {
  const [{ n }] = await db.sql`select queue.reap_expired_leases(now() + interval '1 hour') as n`;
  return n;
}

describe("leases count only started work", () => {
  it("5 node crashes while it holds the same 9 jobs kill only the one it started", async () => {
    const userId = await createUser(db.sql, "Europe/London");
    const ids = await queuedJobs(userId, 9);
    for (let crashNo = 1; crashNo <= 5; crashNo++) {
      const held = await claim(9);
      expect(held.map((j) => Number(j.job_id)).sort((a, b) => a - b)).toEqual(ids);
      // The node starts the first job (a poison input) and dies on it; the 8 others only waited.
      const poison = held.find((j) => Number(j.job_id) === ids[0]);
      if (poison === undefined) throw new Error("the poison job was not claimed");
      await db.sql`select queue.start(${poison.job_id}::bigint, ${poison.lease_token}::uuid)`;
      expect(await crash()).toBe(9);
    }
    const jobs = await db.sql`select id, status, attempts, unstarted_expiries, last_error from queue.jobs
                              where id in ${db.sql(ids)} order by id`;
    expect(jobs[0]).toMatchObject({ status: "dead", attempts: 5 });
    for (const job of jobs.slice(1)) {
      expect(job).toMatchObject({ status: "queued", attempts: 0, unstarted_expiries: 5 });
      expect(job.last_error).toMatch(/^LEASE_EXPIRED_UNSTARTED/);
    }
    const runs = await db.sql`select outcome, count(*)::int as n from public.job_runs
                              where job_id in ${db.sql(ids)} group by 1 order by 1`;
    expect(runs.map((r) => [r.outcome, r.n])).toEqual([
      ["dead", 1],
      ["lease_expired", 44],
    ]);
  });

  it("5 graceful restarts (queued jobs reported SHUTTING_DOWN) cost only the started job attempts", async () => {
    const userId = await createUser(db.sql, "Europe/London");
    const ids = await queuedJobs(userId, 9);
    for (let restart = 1; restart <= 5; restart++) {
      const held = await claim(9);
      expect(held).toHaveLength(9);
      for (const job of held) {
        if (Number(job.job_id) === ids[0])
          await db.sql`select queue.start(${job.job_id}::bigint, ${job.lease_token}::uuid)`;
        await db.sql`select queue.fail(${job.job_id}::bigint, ${job.lease_token}::uuid,
                                       'SHUTTING_DOWN: the node is shutting down', true)`;
      }
      // Skip the started job's backoff.
      await db.sql`update queue.jobs set run_at = now() where id = ${ids[0]} and status = 'queued'`;
    }
    const jobs = await db.sql`select status, attempts from queue.jobs where id in ${db.sql(ids)} order by id`;
    expect(jobs[0]).toEqual({ status: "dead", attempts: 5 });
    expect(jobs.slice(1)).toEqual(Array(8).fill({ status: "queued", attempts: 0 }));
  });

  it("a job whose start notice never arrives is forgiven at most 3 × max_attempts times", async () => {
    const userId = await createUser(db.sql, "UTC");
    const [jobId] = await queuedJobs(userId, 1);
    await db.sql`update queue.jobs set max_attempts = 2 where id = ${jobId}`;
    let crashes = 0;
    for (;;) {
      const held = await claim(1);
      if (held.length === 0) break;
      await crash();
      crashes++;
    }
    // 6 forgiven expiries, then 2 counted ones.
    expect(crashes).toBe(8);
    const [job] = await db.sql`select status from queue.jobs where id = ${jobId}`;
    expect(job.status).toBe("dead");
  });

  it("start is idempotent per lease and refuses a stale lease", async () => {
    const userId = await createUser(db.sql, "UTC");
    await queuedJobs(userId, 1);
    const [held] = await claim(1);
    const [{ first }] =
      await db.sql`select queue.start(${held.job_id}::bigint, ${held.lease_token}::uuid) as first`;
    const [{ second }] =
      await db.sql`select queue.start(${held.job_id}::bigint, ${held.lease_token}::uuid) as second`;
    expect(second).toEqual(first);
    const stale = db.sql`select queue.start(${held.job_id}::bigint, ${crypto.randomUUID()}::uuid)`;
    await expect(stale).rejects.toMatchObject({ code: "GQ002" });
  });
});

describe("claims interleave users", () => {
  it("one user's 100 older jobs do not starve two users who queued later", async () => {
    const heavy = await createUser(db.sql, "UTC");
    const light1 = await createUser(db.sql, "UTC");
    const light2 = await createUser(db.sql, "UTC");
    await queuedJobs(heavy, 100, "2026-04-01");
    await db.sql`update queue.jobs set run_at = now() - interval '1 hour' where user_id = ${heavy}`;
    await queuedJobs(light1, 2, "2026-04-10");
    await queuedJobs(light2, 2, "2026-04-10");
    const users = new Set([heavy, light1, light2]);
    const first = await claim(3);
    expect(new Set(first.map((j) => j.user_id))).toEqual(users);
    // Each has one running now: the next round serves each user once more.
    const second = await claim(3);
    expect(new Set(second.map((j) => j.user_id))).toEqual(users);
    const third = await claim(4);
    expect(third.map((j) => j.user_id)).toEqual([heavy, heavy, heavy, heavy]);
  });
});

describe("reprocess", () => {
  it("of a running job: its report is stored, then it runs once more", async () => {
    const userId = await createUser(db.sql, "UTC");
    const [jobId] = await queuedJobs(userId, 1);
    const [running] = await claim(1);
    await db.sql`select queue.reprocess(${userId}, '2026-05-01', '2026-05-01')`;
    await db.sql`select queue.reprocess(${userId}, '2026-05-01', '2026-05-01')`;
    await complete(running); // not LEASE_MISMATCH
    const [after] =
      await db.sql`select status, attempts, rerun_requested from queue.jobs where id = ${jobId}`;
    expect(after).toEqual({ status: "queued", attempts: 0, rerun_requested: false });
    const [events] =
      await db.sql`select count(*)::int as n from public.laughter_events where user_id = ${userId}`;
    expect(events.n).toBe(1);
    const [rerun] = await claim(1);
    await complete(rerun);
    expect(await claim(1)).toHaveLength(0);
  });

  it("of a dead job is an explicit retry, counted, at most max_dead_retries times", async () => {
    const userId = await createUser(db.sql, "UTC");
    const [jobId] = await queuedJobs(userId, 1);
    const poison = async () => {
      const [held] = await claim(1);
      await db.sql`select queue.fail(${held.job_id}::bigint, ${held.lease_token}::uuid, 'UNDECODABLE_AUDIO: bad', false)`;
    };
    await poison();
    for (let retry = 1; retry <= 3; retry++) {
      const [row] =
        await db.sql`select * from queue.request_reprocess(${userId}, '2026-05-01', '2026-05-01')`;
      expect(row).toMatchObject({ scheduled: 1, dead_skipped: 0 });
      await db.sql`update public.reprocess_requests set created_at = now() - interval '2 hours'`;
      const [job] = await db.sql`select status, attempts, retries from queue.jobs where id = ${jobId}`;
      expect(job).toEqual({ status: "queued", attempts: 0, retries: retry });
      await poison();
    }
    const [refused] =
      await db.sql`select * from queue.request_reprocess(${userId}, '2026-05-01', '2026-05-01')`;
    expect(refused).toMatchObject({ scheduled: 0, dead_skipped: 1 });
    const [job] = await db.sql`select status, retries from queue.jobs where id = ${jobId}`;
    expect(job).toEqual({ status: "dead", retries: 3 });
  });

  it("70 overlapping requests from one user while a node works do the range's work once", async () => {
    const userId = await createUser(db.sql, "UTC");
    // 20 recordings over 5 days, all done once.
    for (let day = 1; day <= 5; day++) await queuedJobs(userId, 4, `2026-05-0${day}`);
    for (const job of await claim(20)) await complete(job);

    const requests = new Set<string>();
    let runs = 0;
    let voided = 0;
    let held: Claim[] = [];
    const work = async () => {
      // The node finishes what it holds and takes the next ones.
      for (const job of held) if (!(await complete(job))) voided++;
      held = await claim(4);
      runs += held.length;
    };
    for (let call = 0; call < 70; call++) {
      requests.add(await requestAsUser(userId, `2026-05-0${1 + (call % 3)}`, `2026-05-0${3 + (call % 3)}`));
      await work();
    }
    while (held.length > 0) await work();
    // Before (main at c10522b): 292 runs, 168 of them voided by a later request (LEASE_MISMATCH).
    expect({ runs, voided }).toEqual({ runs: 20, voided: 0 });
    expect(requests.size).toBe(1);
    const [request] =
      await db.sql`select from_date::text, to_date::text, recordings from public.reprocess_requests
                                 where user_id = ${userId}`;
    expect(request).toEqual({ from_date: "2026-05-01", to_date: "2026-05-05", recordings: 20 });
  });

  it("beyond max_outstanding_per_user queued or running jobs a request is refused whole (GQ013)", async () => {
    const userId = await createUser(db.sql, "UTC");
    await queuedJobs(userId, 6);
    for (const job of await claim(6)) await complete(job);
    await db.sql`update queue.queue_settings set max_outstanding_per_user = 5`;
    const refused = db.sql`select * from queue.request_reprocess(${userId}, '2026-05-01', '2026-05-01')`;
    await expect(refused).rejects.toMatchObject({ code: "GQ013" });
    const [{ queued }] =
      await db.sql`select count(*)::int as queued from queue.jobs where user_id = ${userId} and status = 'queued'`;
    expect(queued).toBe(0);
    await db.sql`update queue.queue_settings set max_outstanding_per_user = 6`;
    const [row] = await db.sql`select * from queue.request_reprocess(${userId}, '2026-05-01', '2026-05-01')`;
    expect(row).toMatchObject({ scheduled: 6, recordings: 6 });
  });
});
