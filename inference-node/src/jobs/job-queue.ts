/**
 * @module
 * The node's bounded in-memory job queue. Invariant: every accepted job ends in exactly one report
 * (completed or failed) handed to `deliver`, including the ones still queued or running at shutdown
 * (retryable `SHUTTING_DOWN`) and the ones that outlive their deadline (retryable `DEADLINE_EXCEEDED`).
 * Only a SIGKILL breaks it, and then the queue's visibility timeout re-leases the job. The one exception:
 * a job whose start notice (`start`) is answered "lost" (its recording was deleted, or the lease is no
 * longer this node's) is dropped without running and without a report, which would be refused anyway.
 */
import type { InferJob } from "../../../shared/schemas/infer-request.ts";
import { JOB_FAILURE_REASONS, type JobReport } from "../../../shared/schemas/job-report.ts";
import { JobAborted, truncateMessage } from "./job-failure.ts";
import type { Logger } from "./logger.ts";
import { LruSet } from "./lru-set.ts";
import type { NodeMetrics } from "./node-metrics.ts";

export interface JobQueueOptions {
  /** Runs one job to a report; must not throw (see process-job.ts). */
  process: (job: InferJob, signal: AbortSignal) => Promise<JobReport>;
  /**
   * Called when a job leaves the waiting line, before `process`: tells the queue the work begins (a
   * lease that expires before this costs the job no attempt). `"lost"` drops the job. Must not throw.
   */
  start?: (job: InferJob, signal: AbortSignal) => Promise<"run" | "lost">;
  /** Delivers a report; `deadlineMs` bounds its retries, `signal` cuts them short at shutdown. */
  deliver: (
    job: InferJob,
    report: JobReport,
    options: { deadlineMs: number; signal: AbortSignal },
  ) => Promise<void>;
  maxQueuedJobs: number;
  concurrency: number;
  dedupeCapacity: number;
  /** Processing is cut off this long before the deadline so the report can still be delivered. */
  reportReserveMs: number;
  logger: Logger;
  metrics: NodeMetrics;
  nowMs?: () => number;
}

export type SubmitResult =
  | { ok: true; accepted: string[]; duplicates: string[] }
  | { ok: false; reason: "QUEUE_FULL"; retryAfterSeconds: number; free: number };

export interface Capacity {
  /** Jobs that can still be accepted now. */
  free: number;
  queued: number;
  running: number;
  /** NODE_MAX_QUEUED_JOBS + NODE_CONCURRENCY. */
  max: number;
}

/**
 * @example
 * ```ts
 * const result = queue.submit(body.jobs);
 * if (!result.ok) return c.json({ error: "QUEUE_FULL" }, 429, { "retry-after": String(result.retryAfterSeconds) });
 * ```
 */
export class JobQueue {
  readonly #options: JobQueueOptions;
  readonly #nowMs: () => number;
  readonly #seen: LruSet;
  readonly #waiting: InferJob[] = [];
  readonly #running = new Map<InferJob, AbortController>();
  readonly #pending = new Set<Promise<void>>();
  /** Aborted when the shutdown grace period ends: stops report retries. */
  readonly #deliveryController = new AbortController();
  #shuttingDown = false;
  #lastWallMs: number | undefined;

  constructor(options: JobQueueOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#seen = new LruSet(options.dedupeCapacity);
  }

  get capacity(): Capacity {
    const max = this.#options.maxQueuedJobs + this.#options.concurrency;
    const queued = this.#waiting.length;
    const running = this.#running.size;
    return { free: Math.max(0, max - queued - running), queued, running, max };
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Accepts a batch all-or-nothing: if the new (non-duplicate) jobs do not all fit, none is accepted
   * and nothing is remembered, so the dispatcher can resend the same batch after Retry-After.
   */
  submit(jobs: readonly InferJob[]): SubmitResult {
    if (this.#shuttingDown) throw new Error("JobQueue.submit called after shutdown");
    const accepted: InferJob[] = [];
    const duplicates: string[] = [];
    // Within one batch a jobId runs once, whatever its lease tokens: two runs of one recording race to
    // the same clip keys and the same report (issue 10 item 15). The first copy wins.
    const batchJobIds = new Set<string>();
    for (const job of jobs) {
      const key = `${job.jobId}:${job.leaseToken}`;
      if (this.#seen.has(key) || batchJobIds.has(job.jobId)) duplicates.push(job.jobId);
      else {
        batchJobIds.add(job.jobId);
        accepted.push(job);
      }
    }
    const { free } = this.capacity;
    if (accepted.length > free) {
      return { ok: false, reason: "QUEUE_FULL", retryAfterSeconds: this.#retryAfterSeconds(), free };
    }
    for (const job of accepted) {
      this.#seen.add(`${job.jobId}:${job.leaseToken}`);
      this.#waiting.push(job);
      this.#options.logger.info("job_accepted", { jobId: job.jobId, deadline: job.deadline });
    }
    this.#pump();
    return { ok: true, accepted: accepted.map((job) => job.jobId), duplicates };
  }

  /**
   * Stops taking work, reports queued jobs and aborts running ones as retryable `SHUTTING_DOWN`, then
   * waits for every report to be delivered, at most `graceMs`. Idempotent.
   */
  async shutdown(graceMs: number): Promise<{ drained: boolean }> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      for (const job of this.#waiting.splice(0)) {
        this.#track(
          this.#finish(job, {
            jobId: job.jobId,
            leaseToken: job.leaseToken,
            status: "failed",
            error: {
              retryable: true,
              reason: JOB_FAILURE_REASONS.SHUTTING_DOWN,
              message: "the node is shutting down",
            },
          }),
        );
      }
      for (const controller of this.#running.values()) controller.abort(new JobAborted("SHUTTING_DOWN"));
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        this.#deliveryController.abort(new JobAborted("SHUTTING_DOWN"));
        resolve(false);
      }, graceMs);
    });
    const drained = Promise.resolve().then(async () => {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      return true;
    });
    const result = await Promise.race([drained, expired]);
    clearTimeout(timer);
    if (!result) await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    return { drained: result };
  }

  /** Resolves when no job is queued, running or being reported (tests). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0 || this.#waiting.length > 0) await Promise.allSettled([...this.#pending]);
  }

  #pump(): void {
    while (
      !this.#shuttingDown &&
      this.#running.size < this.#options.concurrency &&
      this.#waiting.length > 0
    ) {
      const job = this.#waiting.shift()!;
      this.#track(this.#run(job));
    }
  }

  #track(promise: Promise<void>): void {
    const tracked = promise.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async #run(job: InferJob): Promise<void> {
    const controller = new AbortController();
    this.#running.set(job, controller);
    const cutoffMs = Date.parse(job.deadline) - this.#options.reportReserveMs - this.#nowMs();
    const deadlineTimer = setTimeout(
      () => controller.abort(new JobAborted("DEADLINE_EXCEEDED")),
      Math.max(0, Math.min(cutoffMs, 2 ** 31 - 1)),
    );
    let report: JobReport;
    const startedMs = this.#nowMs();
    try {
      if (cutoffMs <= 0) controller.abort(new JobAborted("DEADLINE_EXCEEDED"));
      if (!controller.signal.aborted && (await this.#options.start?.(job, controller.signal)) === "lost") {
        // The finally block frees the slot; the next job starts at once.
        this.#options.logger.warn("job_dropped", { jobId: job.jobId, reason: "LEASE_LOST" });
        return;
      }
      report = await this.#options.process(job, controller.signal);
    } catch (error) {
      // process() must not throw; if it does anyway, the lease still gets a report.
      report = {
        jobId: job.jobId,
        leaseToken: job.leaseToken,
        status: "failed",
        error: {
          retryable: true,
          reason: JOB_FAILURE_REASONS.INTERNAL,
          message: truncateMessage(String(error)),
        },
      };
    } finally {
      clearTimeout(deadlineTimer);
      this.#running.delete(job);
      this.#pump();
    }
    this.#lastWallMs = this.#nowMs() - startedMs;
    // The slot was freed (finally) before delivering: report retries can take minutes and must not
    // block inference.
    await this.#finish(job, report);
  }

  async #finish(job: InferJob, report: JobReport): Promise<void> {
    const { metrics, logger } = this.#options;
    if (report.status === "completed") metrics.recordCompleted(report.stats);
    else metrics.recordFailed(report.error.reason, report.stats?.audioSeconds ?? 0);
    try {
      await this.#options.deliver(job, report, {
        deadlineMs: Date.parse(job.deadline),
        signal: this.#deliveryController.signal,
      });
    } catch (error) {
      metrics.recordReportLost();
      logger.error("report_lost", { jobId: job.jobId, status: report.status, error });
    }
  }

  #retryAfterSeconds(): number {
    const perJobSeconds = this.#lastWallMs === undefined ? 30 : this.#lastWallMs / 1000;
    return Math.min(600, Math.max(5, Math.ceil(perJobSeconds)));
  }
}
