/**
 * @module
 * Delivers a job report: a signed POST of `{ reports: [report] }` to the job's callbackUrl, retried with
 * exponential backoff until the job's deadline (at least one attempt is always made, even late: the
 * receiver decides whether a late report for an expired lease still counts). Delivered means the
 * receiver answered 2xx **and** did not say the item went unstored: an `INTERNAL` item in its answer
 * (a database outage behind a 207) is sent again like a 5xx.
 *
 * `sendStartNotice` tells the receiver the node began a job (so that a crash from then on counts as an
 * attempt, and not before), within a short budget; its answer says whether the job is still ours.
 */
import { request } from "undici";
import {
  type JobReport,
  jobReportBatchSchema,
  REPORT_ITEM_CODES,
  type ReportItem,
  reportAnswerSchema,
  type StartedNotice,
} from "../../../shared/schemas/job-report.ts";
import { signRequest } from "../../../shared/signing/hmac-signature.ts";
import { backoffDelayMs, sleep } from "./retry.ts";

export type ReportOutcome =
  | {
      delivered: true;
      attempts: number;
      /** The receiver's per-item refusal (`LEASE_MISMATCH`, `JOB_NOT_FOUND`, …); absent when accepted. */
      refusal?: string;
    }
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

/** The report schema's limit on `error.message`. */
const MAX_REPORT_MESSAGE_LENGTH = 2_000;

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
  options: SendReportOptions,
): Promise<ReportOutcome> {
  // A failure message is the one field outside our control (it quotes servers); bound it rather than
  // lose the report.
  const bounded: JobReport =
    report.status === "failed" && report.error.message.length > MAX_REPORT_MESSAGE_LENGTH
      ? {
          ...report,
          error: {
            ...report.error,
            message: `${report.error.message.slice(0, MAX_REPORT_MESSAGE_LENGTH - 1)}…`,
          },
        }
      : report;
  return await postItem(callbackUrl, bounded, options);
}

/** Refusals of a start notice after which the job must not run: its lease is gone (deleted, superseded, done). */
const LOST_LEASE_CODES: ReadonlySet<string> = new Set([
  REPORT_ITEM_CODES.JOB_NOT_FOUND,
  REPORT_ITEM_CODES.LEASE_MISMATCH,
  REPORT_ITEM_CODES.JOB_ALREADY_DONE,
]);

/**
 * Announces that the node begins `notice.jobId`, retrying for at most `budgetMs`. `"lost"`: the receiver
 * says the lease is gone (the recording was deleted, the job re-leased or done), so do not run it.
 * `"run"` otherwise, also when the notice could not be delivered (the work goes on; only the attempt
 * accounting is at stake).
 *
 * @example
 * ```ts
 * if ((await sendStartNotice(job.callbackUrl, notice, { secret, budgetMs: 10_000 })) === "lost") return;
 * ```
 */
export async function sendStartNotice(
  callbackUrl: string,
  notice: StartedNotice,
  { budgetMs, ...options }: Omit<SendReportOptions, "deadlineMs"> & { budgetMs: number },
): Promise<"run" | "lost"> {
  const nowMs = options.nowMs ?? Date.now;
  const outcome = await postItem(callbackUrl, notice, { ...options, deadlineMs: nowMs() + budgetMs });
  return outcome.delivered && outcome.refusal !== undefined && LOST_LEASE_CODES.has(outcome.refusal)
    ? "lost"
    : "run";
}

/** The receiver's refusal of `jobId`, `INTERNAL` included; undefined when accepted or not said. */
function refusalOf(rawAnswer: string, jobId: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(rawAnswer);
  } catch {
    return undefined;
  }
  const answer = reportAnswerSchema.safeParse(json);
  if (!answer.success) return undefined;
  return answer.data.failedJobs.find((item) => item.jobId === jobId)?.error.code;
}

async function postItem(
  callbackUrl: string,
  item: ReportItem,
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
  const body = JSON.stringify(jobReportBatchSchema.parse({ reports: [item] }));
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
      const answer = await response.body.text();
      const refusal = refusalOf(answer, item.jobId);
      const success = response.statusCode >= 200 && response.statusCode < 300;
      if (success && refusal !== REPORT_ITEM_CODES.INTERNAL)
        return refusal === undefined
          ? { delivered: true, attempts: attempt }
          : { delivered: true, attempts: attempt, refusal };
      lastError = success
        ? `HTTP ${response.statusCode} with the item ${refusal} (not stored)`
        : `HTTP ${response.statusCode}`;
      if (!success && isPermanent(response.statusCode))
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
