import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { createUser, event, pauseCron } from "./fixtures.ts";

const JOB_COUNT = 1000;
const WORKER_COUNT = 8;
const BATCH_SIZE = 10;

describe("queue under 8 concurrent claimers", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
    await pauseCron(db.sql);
    const userId = await createUser(db.sql, "Europe/London");
    await db.sql`
      insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
      select ${userId}, ${userId} || '/' || i || '.ogg',
             timestamptz '2026-05-01 00:00Z' + i * interval '30 minutes',
             timestamptz '2026-05-01 00:30Z' + i * interval '30 minutes', 'ogg-opus', 1000
      from generate_series(1, ${JOB_COUNT}) as i`;
    await db.sql`select queue.enqueue(id) from public.recordings where user_id = ${userId}`;
  });
  afterAll(() => db.stop());

  it("claims every job exactly once; prints claim+complete throughput", async () => {
    const workers = Array.from({ length: WORKER_COUNT }, () =>
      postgres(db.url, { max: 1, onnotice: () => {} }),
    );
    const claimedBy: number[][] = workers.map(() => []);
    const events = [event(1000), event(4000)];
    try {
      // Open every connection before timing.
      await Promise.all(workers.map((w) => w`select 1`));
      const startedMs = performance.now();
      await Promise.all(
        workers.map(async (sql, index) => {
          for (;;) {
            const jobs =
              await sql`select job_id, lease_token from queue.claim(${BATCH_SIZE}, '5 minutes', ${`w${index}`})`;
            if (jobs.length === 0) return;
            for (const job of jobs) {
              claimedBy[index].push(Number(job.job_id));
              await sql`select queue.complete(${job.job_id}, ${job.lease_token}, ${sql.json(events)},
                ${sql.json({ node_id: `w${index}`, audio_seconds: 1800, wall_ms: 20_000 })}, 'yamnet-test@1')`;
            }
          }
        }),
      );
      const elapsedMs = performance.now() - startedMs;
      const jobsPerSecond = JOB_COUNT / (elapsedMs / 1000);
      console.log(
        `queue throughput: ${JOB_COUNT} jobs claimed+completed by ${WORKER_COUNT} workers (batch ${BATCH_SIZE}) ` +
          `in ${elapsedMs.toFixed(0)} ms = ${jobsPerSecond.toFixed(0)} jobs/s`,
      );

      const all = claimedBy.flat();
      expect(all).toHaveLength(JOB_COUNT);
      expect(new Set(all).size).toBe(JOB_COUNT);
      expect(claimedBy.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
      const [stats] = await db.sql`
        select count(*) filter (where status = 'done')::int as done, max(attempts) as max_attempts,
               (select count(*)::int from public.job_runs) as runs,
               (select count(*)::int from public.laughter_events) as events
        from queue.jobs`;
      expect(stats).toEqual({ done: JOB_COUNT, max_attempts: 1, runs: JOB_COUNT, events: 2 * JOB_COUNT });
    } finally {
      await Promise.all(workers.map((w) => w.end({ timeout: 5 })));
    }
  });
});
