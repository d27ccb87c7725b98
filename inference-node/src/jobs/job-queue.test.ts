import { describe, expect, it } from "vitest";
import type { InferJob } from "../../../shared/schemas/infer-request.ts";
import type { JobReport } from "../../../shared/schemas/job-report.ts";
import { classifyFailure } from "./job-failure.ts";
import { JobQueue, type JobQueueOptions } from "./job-queue.ts";
import { silentLogger } from "./logger.ts";
import { NodeMetrics } from "./node-metrics.ts";
import { makeJob } from "./testing/jobs.ts";

/** A process() that waits for abort (or `ms`), then reports like processJob would. */
function slowProcess(ms: number): JobQueueOptions["process"] {
  return (job, signal) =>
    new Promise<JobReport>((resolve) => {
      const done = () => {
        if (signal.aborted) {
          const failure = classifyFailure(signal.reason, signal);
          resolve({
            jobId: job.jobId,
            leaseToken: job.leaseToken,
            status: "failed",
            error: { retryable: failure.retryable, reason: failure.reason, message: failure.message },
          });
        } else {
          resolve({
            jobId: job.jobId,
            leaseToken: job.leaseToken,
            status: "completed",
            modelVersion: "m",
            events: [],
            stats: { audioSeconds: 1, wallMs: ms, realTimeFactor: ms / 1000, peakRssBytes: 1, nodeId: "n" },
          });
        }
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        done();
      });
    });
}

function setup(options: Partial<JobQueueOptions> = {}) {
  const delivered: { job: InferJob; report: JobReport }[] = [];
  const queue = new JobQueue({
    maxQueuedJobs: 5,
    concurrency: 1,
    dedupeCapacity: 10,
    reportReserveMs: 0,
    logger: silentLogger,
    metrics: new NodeMetrics(),
    process: slowProcess(20),
    deliver: async (job, report) => {
      delivered.push({ job, report });
    },
    ...options,
  });
  return { queue, delivered };
}

describe("JobQueue", () => {
  it("runs jobs one at a time at concurrency 1, one report each", async () => {
    let running = 0;
    let maxRunning = 0;
    const inner = slowProcess(10);
    const { queue, delivered } = setup({
      process: async (job, signal) => {
        maxRunning = Math.max(maxRunning, ++running);
        const report = await inner(job, signal);
        running--;
        return report;
      },
    });
    const jobs = [makeJob(), makeJob(), makeJob()];
    expect(queue.submit(jobs)).toMatchObject({ ok: true, accepted: jobs.map((job) => job.jobId) });
    await queue.idle();
    expect(maxRunning).toBe(1);
    expect(delivered.map((d) => d.report.jobId)).toEqual(jobs.map((job) => job.jobId));
    expect(delivered.every((d) => d.report.status === "completed")).toBe(true);
  });

  it("runs a jobId once per batch, even with two lease tokens (issue 10 item 15)", async () => {
    const { queue, delivered } = setup();
    const job = makeJob();
    const again = { ...job, leaseToken: crypto.randomUUID() };
    expect(queue.submit([job, again])).toMatchObject({
      ok: true,
      accepted: [job.jobId],
      duplicates: [job.jobId],
    });
    await queue.idle();
    expect(delivered).toHaveLength(1);
  });

  it("forgets the oldest keys beyond dedupeCapacity", () => {
    const { queue } = setup({ dedupeCapacity: 2, maxQueuedJobs: 10 });
    const [a, b, c] = [makeJob(), makeJob(), makeJob()];
    queue.submit([a, b, c]);
    expect(queue.submit([a])).toMatchObject({ ok: true, accepted: [a.jobId] });
    expect(queue.submit([c])).toMatchObject({ ok: true, duplicates: [c.jobId] });
  });

  it("cuts a job off at deadline − reportReserveMs with a retryable DEADLINE_EXCEEDED", async () => {
    const { queue, delivered } = setup({ process: slowProcess(5_000), reportReserveMs: 1_000 });
    queue.submit([makeJob({ deadline: new Date(Date.now() + 1_100).toISOString() })]);
    await queue.idle();
    expect(delivered[0]?.report).toMatchObject({
      status: "failed",
      error: { reason: "DEADLINE_EXCEEDED", retryable: true },
    });
  });

  it("shutdown reports the running and the queued jobs as retryable SHUTTING_DOWN, exactly once each", async () => {
    const { queue, delivered } = setup({ process: slowProcess(60_000) });
    const jobs = [makeJob(), makeJob(), makeJob()];
    queue.submit(jobs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [first, second] = await Promise.all([queue.shutdown(5_000), queue.shutdown(5_000)]);
    expect(first).toEqual({ drained: true });
    expect(second).toEqual({ drained: true });
    expect(delivered.map((d) => d.report.jobId).sort()).toEqual(jobs.map((job) => job.jobId).sort());
    for (const { report } of delivered) {
      expect(report).toMatchObject({ status: "failed", error: { reason: "SHUTTING_DOWN", retryable: true } });
    }
    expect(() => queue.submit([makeJob()])).toThrow(/after shutdown/);
  });

  it("gives up waiting for deliveries after the grace period", async () => {
    const { queue } = setup({
      deliver: (_job, _report, { signal }) =>
        new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    });
    queue.submit([makeJob()]);
    await queue.shutdown(1_000).then((result) => expect(result).toEqual({ drained: false }));
  });

  it("announces each job before running it and drops one whose lease is lost (no run, no report)", async () => {
    const order: string[] = [];
    const [gone, kept] = [makeJob(), makeJob()];
    const { queue, delivered } = setup({
      start: async (job) => {
        order.push(`start ${job.jobId}`);
        return job.jobId === gone.jobId ? "lost" : "run";
      },
      process: async (job, signal) => {
        order.push(`process ${job.jobId}`);
        return await slowProcess(5)(job, signal);
      },
    });
    queue.submit([gone, kept]);
    await queue.idle();
    expect(order).toEqual([`start ${gone.jobId}`, `start ${kept.jobId}`, `process ${kept.jobId}`]);
    expect(delivered.map((d) => d.job.jobId)).toEqual([kept.jobId]);
    expect(queue.capacity).toMatchObject({ queued: 0, running: 0 });
  });
});
