import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { createRecording, createUser, event, pauseCron } from "./fixtures.ts";

const MODEL = "yamnet-test@1";

describe("queue API", () => {
  let db: TestDatabase;
  let userId: string;

  beforeAll(async () => {
    db = await startTestDatabase();
    await pauseCron(db.sql);
    userId = await createUser(db.sql, "Europe/London");
  });
  afterAll(() => db.stop());

  /** A fresh recording with a queued job; returns both ids. */
  async function queued(): Promise<{ recordingId: string; jobId: number }> {
    const { id } = await createRecording(db.sql, { userId, startedAt: "2026-05-01T10:00:00Z" });
    const [{ job_id }] = await db.sql`select queue.enqueue(${id}) as job_id`;
    return { recordingId: id, jobId: Number(job_id) };
  }

  /** Claims exactly the given job (other queued jobs are pushed into the future first). */
  async function claimOnly(jobId: number, lease = "5 minutes") {
    await db.sql`update queue.jobs set run_at = now() + interval '1 day' where status = 'queued' and id <> ${jobId}`;
    const rows = await db.sql`select * from queue.claim(1, ${lease}::interval, 'node-a')`;
    await db.sql`update queue.jobs set run_at = now() where status = 'queued' and run_at > now() + interval '12 hours'`;
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].job_id)).toBe(jobId);
    return rows[0];
  }

  async function job(jobId: number) {
    const [row] = await db.sql`select * from queue.jobs where id = ${jobId}`;
    return row;
  }

  async function sqlState(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      return (error as { code: string }).code;
    }
    throw new Error("expected an error");
  }

  it("enqueue is idempotent and re-enqueue of a done job is a no-op unless reprocessing", async () => {
    const { recordingId, jobId } = await queued();
    const [{ again }] = await db.sql`select queue.enqueue(${recordingId}) as again`;
    expect(Number(again)).toBe(jobId);
    const [{ count }] =
      await db.sql`select count(*)::int from queue.jobs where recording_id = ${recordingId}`;
    expect(count).toBe(1);
    const [rec] = await db.sql`select status from public.recordings where id = ${recordingId}`;
    expect(rec.status).toBe("queued");

    const claim = await claimOnly(jobId);
    expect(claim.attempt).toBe(1);
    expect(claim.object_key).toContain(userId);
    expect(claim.format).toBe("ogg-opus");
    await db.sql`select queue.complete(${jobId}, ${claim.lease_token}, ${db.sql.json([event(1000)])}, '{}', ${MODEL})`;

    await db.sql`select queue.enqueue(${recordingId})`;
    expect((await job(jobId)).status).toBe("done");
    await db.sql`select queue.enqueue(${recordingId}, reprocess => true)`;
    const requeued = await job(jobId);
    expect(requeued.status).toBe("queued");
    expect(requeued.attempts).toBe(0);
  });

  it("claim sets a fresh lease, increments attempts and returns the recording", async () => {
    const { recordingId, jobId } = await queued();
    const claim = await claimOnly(jobId, "90 seconds");
    const row = await job(jobId);
    expect(row.status).toBe("processing");
    expect(row.lease_token).toBe(claim.lease_token);
    expect(row.attempts).toBe(1);
    expect(row.claimed_by).toBe("node-a");
    const leaseSeconds = (claim.lease_expires_at.getTime() - row.claimed_at.getTime()) / 1000;
    expect(leaseSeconds).toBeCloseTo(90, 0);
    expect(claim.recording_id).toBe(recordingId);
    expect(claim.user_id).toBe(userId);
    expect(claim.started_at.toISOString()).toBe("2026-05-01T10:00:00.000Z");
    const [rec] = await db.sql`select status from public.recordings where id = ${recordingId}`;
    expect(rec.status).toBe("processing");
    // Not runnable yet: run_at in the future is never claimed.
    await db.sql`update queue.jobs set status = 'queued', lease_token = null, lease_expires_at = null,
      run_at = now() + interval '1 hour' where id = ${jobId}`;
    const rows = await db.sql`select job_id from queue.claim(1000)`;
    expect(rows.map((r) => Number(r.job_id))).not.toContain(jobId);
    expect(await sqlState(db.sql`select * from queue.claim(0)`)).toBe("22023");
  });

  it("heartbeat extends a live lease; a stale or expired token is rejected", async () => {
    const { jobId } = await queued();
    const claim = await claimOnly(jobId, "1 second");
    const [{ expires }] =
      await db.sql`select queue.heartbeat(${jobId}, ${claim.lease_token}, '10 minutes') as expires`;
    expect(expires.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(await sqlState(db.sql`select queue.heartbeat(${jobId}, ${crypto.randomUUID()})`)).toBe("GQ002");
    expect(await sqlState(db.sql`select queue.heartbeat(${-1}, ${claim.lease_token})`)).toBe("GQ001");

    await db.sql`update queue.jobs set lease_expires_at = now() - interval '1 second' where id = ${jobId}`;
    expect(await sqlState(db.sql`select queue.heartbeat(${jobId}, ${claim.lease_token})`)).toBe("GQ003");
  });

  it("an expired lease of a started job is reaped and reclaimed; the old token is then stale", async () => {
    const { jobId, recordingId } = await queued();
    const first = await claimOnly(jobId, "200 milliseconds");
    // The node began the work (a lease that expires unstarted keeps its attempt: queue-fairness.integration.ts).
    await db.sql`select queue.start(${jobId}, ${first.lease_token})`;
    await new Promise((r) => setTimeout(r, 400));
    const [{ reaped }] = await db.sql`select queue.reap_expired_leases() as reaped`;
    expect(reaped).toBeGreaterThanOrEqual(1);
    const afterReap = await job(jobId);
    expect(afterReap.status).toBe("queued");
    expect(afterReap.attempts).toBe(1);
    expect(afterReap.last_error).toMatch(/^LEASE_EXPIRED/);

    const second = await claimOnly(jobId);
    expect(second.attempt).toBe(2);
    expect(second.lease_token).not.toBe(first.lease_token);
    const stale = db.sql`select queue.complete(${jobId}, ${first.lease_token}, '[]', '{}', ${MODEL})`;
    expect(await sqlState(stale)).toBe("GQ002");
    expect(await sqlState(db.sql`select queue.heartbeat(${jobId}, ${first.lease_token})`)).toBe("GQ002");

    await db.sql`select queue.complete(${jobId}, ${second.lease_token}, '[]', '{}', ${MODEL})`;
    const runs = await db.sql`select outcome from public.job_runs where job_id = ${jobId} order by id`;
    expect(runs.map((r) => r.outcome)).toEqual(["lease_expired", "done"]);
    const [rec] = await db.sql`select status from public.recordings where id = ${recordingId}`;
    expect(rec.status).toBe("done");
  });

  it("completing twice with the same token returns the same outcome and leaves the same rows", async () => {
    const { jobId, recordingId } = await queued();
    const claim = await claimOnly(jobId);
    const events = db.sql.json([event(1000), event(5000), event(9000)]);
    const stats = db.sql.json({
      node_id: "node-a",
      audio_seconds: 1800,
      wall_ms: 36_000,
      peak_rss_bytes: 4e8,
    });
    const [{ complete: first }] =
      await db.sql`select queue.complete(${jobId}, ${claim.lease_token}, ${events}, ${stats}, ${MODEL})`;
    const snapshot =
      await db.sql`select * from public.laughter_events where recording_id = ${recordingId} order by start_offset_ms`;
    const [{ complete: second }] =
      await db.sql`select queue.complete(${jobId}, ${claim.lease_token}, ${events}, ${stats}, ${MODEL})`;
    expect(second).toEqual(first);
    expect(first).toMatchObject({ status: "done", events_inserted: 3, events_replaced: 0 });
    const after =
      await db.sql`select * from public.laughter_events where recording_id = ${recordingId} order by start_offset_ms`;
    expect(after).toEqual(snapshot);
    expect(snapshot[1].starts_at.toISOString()).toBe("2026-05-01T10:00:05.000Z");

    const runs = await db.sql`select * from public.job_runs where job_id = ${jobId}`;
    expect(runs).toHaveLength(1);
    expect(runs[0].real_time_factor).toBeCloseTo(0.02, 5);
    expect(Number(runs[0].peak_rss_bytes)).toBe(4e8);
    expect(runs[0].node_id).toBe("node-a");
    const [rec] =
      await db.sql`select status, model_version, duration_ms from public.recordings where id = ${recordingId}`;
    expect(rec).toEqual({ status: "done", model_version: MODEL, duration_ms: "1800000" });
  });

  it("complete replaces a recording's events atomically, an older model version's too", async () => {
    const { jobId, recordingId } = await queued();
    const c1 = await claimOnly(jobId);
    await db.sql`select queue.complete(${jobId}, ${c1.lease_token}, ${db.sql.json([event(1000), event(2000)])}, '{}', ${MODEL})`;
    await db.sql`select queue.complete(${jobId}, ${c1.lease_token}, '[]', '{}', ${MODEL})`; // same-token retry: no-op
    await db.sql`select queue.enqueue(${recordingId}, true)`;

    // Reprocessing does not delete anything up front: the day never looks empty.
    const [{ count: during }] =
      await db.sql`select count(*)::int from public.laughter_events where recording_id = ${recordingId}`;
    expect(during).toBe(2);

    const c2 = await claimOnly(jobId);
    // A failing insert (probability out of range) rolls back the delete too.
    const bad = { ...event(3000), peak_probability: 1.5 };
    const failed = db.sql`select queue.complete(${jobId}, ${c2.lease_token}, ${db.sql.json([event(500), bad])}, '{}', ${MODEL})`;
    expect(await sqlState(failed)).toBe("23514");
    const kept =
      await db.sql`select start_offset_ms from public.laughter_events where recording_id = ${recordingId} order by 1`;
    expect(kept.map((r) => r.start_offset_ms)).toEqual([1000, 2000]);

    const [{ complete: outcome }] =
      await db.sql`select queue.complete(${jobId}, ${c2.lease_token}, ${db.sql.json([event(700)])}, '{}', ${MODEL})`;
    expect(outcome).toMatchObject({ events_inserted: 1, events_replaced: 2 });
    const replaced =
      await db.sql`select start_offset_ms from public.laughter_events where recording_id = ${recordingId}`;
    expect(replaced.map((r) => r.start_offset_ms)).toEqual([700]);

    // A new model version's run replaces the older version's rows too (migration 20261206003000).
    await db.sql`select queue.enqueue(${recordingId}, true)`;
    const c3 = await claimOnly(jobId);
    const [{ complete: newVersion }] =
      await db.sql`select queue.complete(${jobId}, ${c3.lease_token}, ${db.sql.json([event(100), event(900)])}, '{}', 'yamnet-test@2')`;
    expect(newVersion).toMatchObject({ events_inserted: 2, events_replaced: 1 });
    const versions = await db.sql`
      select model_version, start_offset_ms from public.laughter_events where recording_id = ${recordingId}
      order by start_offset_ms`;
    expect(versions.map((r) => [r.model_version, r.start_offset_ms])).toEqual([
      ["yamnet-test@2", 100],
      ["yamnet-test@2", 900],
    ]);
  });

  it("reprocessing a day with a new model version counts each laugh once, whichever version ran last", async () => {
    // A new laughter head changes Engine.modelVersion; old days are re-run through queue.reprocess.
    const owner = await createUser(db.sql, "Europe/London");
    const { id: recordingId } = await createRecording(db.sql, {
      userId: owner,
      startedAt: "2026-06-01T10:00:00Z",
    });
    const [{ job_id }] = await db.sql`select queue.enqueue(${recordingId}) as job_id`;
    const jobId = Number(job_id);
    const summary = async () => {
      const [row] = await db.sql`select laughs, laugh_seconds from public.daily_summary
                                 where user_id = ${owner} and local_date = '2026-06-01'`;
      return { laughs: row.laughs, laughSeconds: Number(row.laugh_seconds) };
    };
    const complete = async (events: ReturnType<typeof event>[], version: string) => {
      const claim = await claimOnly(jobId);
      await db.sql`select queue.complete(${jobId}, ${claim.lease_token}, ${db.sql.json(events)}, '{}', ${version})`;
    };
    await complete([event(1000), event(5000)], "yamnet-onnx@old");
    expect((await summary()).laughs).toBe(2);

    expect((await db.sql`select queue.reprocess(${owner}, '2026-06-01', '2026-06-01') as n`)[0].n).toBe(1);
    await complete([event(1000), event(5000), event(9000)], "yamnet-onnx@new");
    expect((await summary()).laughs).toBe(3); // not 5: the old version's rows are replaced

    // Re-running the new version replaces its own rows rather than adding to them.
    await db.sql`select queue.reprocess(${owner}, '2026-06-01', '2026-06-01')`;
    await complete([event(1000)], "yamnet-onnx@new");
    expect((await summary()).laughs).toBe(1);
    const rows = await db.sql`select model_version, count(*)::int as n from public.laughter_events
                              where recording_id = ${recordingId} group by 1 order by 1`;
    expect(rows.map((r) => [r.model_version, r.n])).toEqual([["yamnet-onnx@new", 1]]);
  });

  it("fail backs off exponentially, then dead-letters after max attempts", async () => {
    const { jobId, recordingId } = await queued();
    await db.sql`update queue.jobs set max_attempts = 3 where id = ${jobId}`;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claim = await claimOnly(jobId);
      expect(claim.attempt).toBe(attempt);
      // A retryable failure counts once the node began the job (before, it keeps its attempt).
      await db.sql`select queue.start(${jobId}, ${claim.lease_token})`;
      const [{ fail }] = await db.sql`
        select queue.fail(${jobId}, ${claim.lease_token}, ${`HTTP 503 attempt ${attempt}`}, true,
                          ${db.sql.json({ wall_ms: 10 })}, '30 seconds', '50 seconds')`;
      const row = await job(jobId);
      expect(row.last_error).toBe(`HTTP 503 attempt ${attempt}`);
      if (attempt < 3) {
        expect(fail.status).toBe("queued");
        delays.push(Math.round((row.run_at.getTime() - row.updated_at.getTime()) / 1000));
        await db.sql`update queue.jobs set run_at = now() where id = ${jobId}`; // skip the wait
      } else {
        expect(fail.status).toBe("dead");
        expect(row.status).toBe("dead");
      }
    }
    expect(delays).toEqual([30, 50]); // 30 s, then min(60 s, cap 50 s)
    const [rec] = await db.sql`select status from public.recordings where id = ${recordingId}`;
    expect(rec.status).toBe("failed");
    const runs = await db.sql`select outcome from public.job_runs where job_id = ${jobId} order by id`;
    expect(runs.map((r) => r.outcome)).toEqual(["retry", "retry", "dead"]);
    // A dead job is not revived by a plain enqueue (the sweep), only by reprocess.
    await db.sql`select queue.enqueue(${recordingId})`;
    expect((await job(jobId)).status).toBe("dead");
  });

  it("a permanent failure goes dead at once", async () => {
    const { jobId } = await queued();
    const claim = await claimOnly(jobId);
    await db.sql`select queue.fail(${jobId}, ${claim.lease_token}, 'unsupported codec', false)`;
    const row = await job(jobId);
    expect(row.status).toBe("dead");
    expect(row.attempts).toBe(1);
    // The lease is gone: a retried fail() is told so.
    expect(await sqlState(db.sql`select queue.fail(${jobId}, ${claim.lease_token}, 'x', false)`)).toBe(
      "GQ002",
    );
  });

  it("release gives the job back without burning an attempt", async () => {
    const { jobId, recordingId } = await queued();
    const first = await claimOnly(jobId);
    await db.sql`select queue.release(${jobId}, ${first.lease_token})`;
    const row = await job(jobId);
    expect(row).toMatchObject({ status: "queued", attempts: 0, lease_token: null });
    const [rec] = await db.sql`select status from public.recordings where id = ${recordingId}`;
    expect(rec.status).toBe("queued");
    const second = await claimOnly(jobId);
    expect(second.attempt).toBe(1);
    expect(await sqlState(db.sql`select queue.release(${jobId}, ${first.lease_token})`)).toBe("GQ002");
    await db.sql`select queue.release(${jobId}, ${second.lease_token}, '1 minute')`;
    expect((await job(jobId)).run_at.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it("reaping after max attempts dead-letters the job", async () => {
    const { jobId, recordingId } = await queued();
    await db.sql`update queue.jobs set max_attempts = 1 where id = ${jobId}`;
    const claim = await claimOnly(jobId);
    await db.sql`select queue.start(${jobId}, ${claim.lease_token})`;
    const [{ reaped }] = await db.sql`select queue.reap_expired_leases(now() + interval '1 hour') as reaped`;
    expect(reaped).toBeGreaterThanOrEqual(1);
    expect((await job(jobId)).status).toBe("dead");
    const [rec] = await db.sql`select status from public.recordings where id = ${recordingId}`;
    expect(rec.status).toBe("failed");
  });

  it("reprocess re-queues a user's local-date range and keeps events until the next complete", async () => {
    const other = await createUser(db.sql, "America/New_York");
    // 02:00Z on May 3 is still May 2 in New York.
    const a = await createRecording(db.sql, { userId: other, startedAt: "2026-05-03T02:00:00Z" });
    const b = await createRecording(db.sql, { userId: other, startedAt: "2026-05-03T15:00:00Z" });
    const c = await createRecording(db.sql, { userId: other, startedAt: "2026-05-05T15:00:00Z" });
    expect([a.localDate, b.localDate, c.localDate]).toEqual(["2026-05-02", "2026-05-03", "2026-05-05"]);
    const [{ n }] = await db.sql`select queue.reprocess(${other}, '2026-05-02', '2026-05-03') as n`;
    expect(n).toBe(2);
    const jobs = await db.sql`select recording_id from queue.jobs where user_id = ${other}`;
    expect(jobs.map((j) => j.recording_id).sort()).toEqual([a.id, b.id].sort());
    expect(await sqlState(db.sql`select queue.reprocess(${other}, '2026-05-04', '2026-05-03')`)).toBe(
      "22023",
    );
  });
});
