/**
 * @module
 * Delivers a job report: a signed POST of `{ reports: [report] }` to the job's callbackUrl, retried with
 * exponential backoff until the job's deadline (at least one attempt is always made, even late: the
 * receiver decides whether a late report for an expired lease still counts).
 */
import { request } from "undici";
import { type JobReport, jobReportBatchSchema } from "../../../shared/schemas/job-report.ts";
import { signRequest } from "../../../shared/signing/hmac-signature.ts";
import { backoffDelayMs, sleep } from "./retry.ts";

export type ReportOutcome =
  | { delivered: true; attempts: number }
  | { delivered: false; attempts: number; permanent: boolean; lastError: string };

export interface SendReportOptions {
  secret: string;
  /** Stop retrying after this instant (epoch ms). */
  deadlineMs: number;
  /** Aborts waiting between retries (the in-flight attempt is bounded by `attemptTimeoutMs`). */
  signal?: AbortSignal;
  attemptTimeoutMs?: number;
  retryBaseDelayMs?: number;
  nowMs?: () => number;
  onRetry?: (info: { attempt: number; error: string }) => void;
}

/** Statuses after which retrying cannot help: the receiver understood and refused (e.g. 409 lease lost). */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429;
}

/**
 * @example
 * ```ts
 * const outcome = await sendReport(job.callbackUrl, report, { secret, deadlineMs: Date.parse(job.deadline) });
 * if (!outcome.delivered) logger.error("report_lost", { jobId, ...outcome });
 * ```
 */
export async function sendReport(
  callbackUrl: string,
  report: JobReport,
  {
    secret,
    deadlineMs,
    signal,
    attemptTimeoutMs = 15_000,
    retryBaseDelayMs = 500,
    nowMs = Date.now,
    onRetry,
  }: SendReportOptions,
): Promise<ReportOutcome> {
  // Validate our own output: a malformed report is a bug here, better caught before the receiver 400s.
  const body = JSON.stringify(jobReportBatchSchema.parse({ reports: [report] }));
  let lastError = "";
  for (let attempt = 1; ; attempt++) {
    try {
      const headers = await signRequest(secret, { method: "POST", url: callbackUrl, body }, nowMs());
      const response = await request(callbackUrl, {
        method: "POST",
        body,
        headers: { ...headers, "content-type": "application/json" },
        headersTimeout: attemptTimeoutMs,
        bodyTimeout: attemptTimeoutMs,
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300)
        return { delivered: true, attempts: attempt };
      lastError = `HTTP ${response.statusCode}`;
      if (isPermanent(response.statusCode))
        return { delivered: false, attempts: attempt, permanent: true, lastError };
    } catch (error) {
      lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const delayMs = backoffDelayMs(attempt - 1, { baseDelayMs: retryBaseDelayMs, maxDelayMs: 30_000 });
    if (nowMs() + delayMs >= deadlineMs || signal?.aborted) {
      return { delivered: false, attempts: attempt, permanent: false, lastError };
    }
    onRetry?.({ attempt, error: lastError });
    try {
      await sleep(delayMs, signal);
    } catch {
      return { delivered: false, attempts: attempt, permanent: false, lastError };
    }
  }
}
