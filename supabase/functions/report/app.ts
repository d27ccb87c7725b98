/**
 * @module
 * `POST /report`: the signed callback of an inference node (`x-giggles-timestamp`,
 * `x-giggles-signature` over the raw body), one item per job it was given.
 *
 * - 207 `{ completedJobs: [{ jobId, jobStatus: "done", modelVersion, eventsInserted, eventsReplaced }],
 *   failedJobs: [{ jobId, jobStatus?, error: { code, message } }], startedJobs: [{ jobId, startedAt }] }`,
 *   plus `x-completed-jobs` and `x-failed-jobs` counts. Every item is answered; a 207 means every item
 *   was stored or refused for good, so the node stops sending it.
 * - 503 `REPORT_NOT_STORED` (with the same per-item answer in `error.details`) when an item could not be
 *   stored (`INTERNAL`, e.g. the database is down): the node sends the batch again. The items that were
 *   stored are idempotent per lease.
 * - 400 not JSON / not a job-report batch (`details`: zod issues); 401 signature missing, malformed,
 *   wrong or stale (`code` says which; signed with REPORT_SIGNING_SECRET over method, path, timestamp
 *   and body); 405 other methods; 413 body over {@link MAX_REPORT_BODY_BYTES}.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ reports: [report] });
 * await fetch(reportUrl, { method: "POST", body, headers: await signRequest(secret, { method: "POST", url: reportUrl, body }) });
 * ```
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Sql } from "../_shared/db.ts";
import { jobReportBatchSchema } from "../_shared/generated/schemas/job-report.ts";
import {
  type CheckedHeaders,
  checkSignatureHeaders,
  verifyCheckedRequest,
} from "../_shared/generated/signing/hmac-signature.ts";
import {
  createErrorHandler,
  HttpError,
  methodNotAllowed,
  notFound,
  parseJson,
} from "../_shared/http-error.ts";
import { applyReport, type CompletedItem, type FailedItem, type StartedItem } from "./apply-report.ts";
import type { ReportConfig } from "./config.ts";

/** A report of a long night with many laughs is tens of KB; megabytes are not a legitimate report. */
export const MAX_REPORT_BODY_BYTES = 4 * 1024 * 1024;

export interface ReportResult {
  completedJobs: CompletedItem[];
  failedJobs: FailedItem[];
  startedJobs: StartedItem[];
}

export interface ReportAppDeps {
  config: ReportConfig;
  sql: Sql;
}

export function createReportApp({ config, sql }: ReportAppDeps): Hono {
  const secrets = [config.REPORT_SIGNING_SECRET, config.REPORT_SIGNING_SECRET_PREVIOUS].filter(
    (s): s is string => s !== undefined,
  );
  const app = new Hono().basePath("/report");
  app.onError(createErrorHandler("report"));
  app.notFound(notFound);

  const unauthorized = (code: string) =>
    new HttpError(401, {
      code,
      message: "sign the request with REPORT_SIGNING_SECRET (x-giggles-timestamp, x-giggles-signature)",
    });
  // Keyed by the context: bodyLimit replaces c.req.raw to count the body's bytes.
  const checkedHeaders = new WeakMap<object, CheckedHeaders>();
  app.post(
    "/",
    // Headers first (presence, format, at most two values, timestamp): a malformed or stale signature
    // costs neither a body read nor an HMAC.
    async function checkReportSignatureHeaders(c, next) {
      const checked = checkSignatureHeaders(c.req.raw.headers, {
        replayWindowMs: config.REPORT_REPLAY_WINDOW_MS,
      });
      if (!checked.ok) throw unauthorized(checked.reason);
      checkedHeaders.set(c, checked);
      await next();
    },
    bodyLimit({
      maxSize: MAX_REPORT_BODY_BYTES,
      onError: () => {
        throw new HttpError(413, {
          code: "BODY_TOO_LARGE",
          message: `send at most ${MAX_REPORT_BODY_BYTES} bytes`,
        });
      },
    }),
    async (c) => {
      // Verify the raw bytes: re-serialised JSON would not match the signature.
      // Replays inside the window are harmless: queue.complete/fail are idempotent per lease.
      const raw = await c.req.text();
      const checked = checkedHeaders.get(c);
      if (checked === undefined) throw new Error("report: the signature headers were not checked");
      const verified = await verifyCheckedRequest(secrets, checked, {
        method: c.req.method,
        url: c.req.url,
        body: raw,
      });
      if (!verified.ok) throw unauthorized(verified.reason);
      const parsed = jobReportBatchSchema.safeParse(parseJson(raw));
      if (!parsed.success) {
        throw new HttpError(400, {
          code: "INVALID_BODY",
          message: "the body does not match the job-report schema",
          details: parsed.error.issues,
        });
      }
      const result: ReportResult = { completedJobs: [], failedJobs: [], startedJobs: [] };
      // One at a time: each is its own transaction inside queue.start/complete/fail, and a batch is small.
      for (const report of parsed.data.reports) {
        const outcome = await applyReport(sql, report);
        if (!outcome.ok) result.failedJobs.push(outcome.item);
        else if ("started" in outcome) result.startedJobs.push(outcome.started);
        else result.completedJobs.push(outcome.item);
      }
      console.log(
        JSON.stringify({
          level: "info",
          event: "reports_applied",
          completed: result.completedJobs.length,
          started: result.startedJobs.length,
          failed: result.failedJobs.map((item) => ({ jobId: item.jobId, code: item.error.code })),
        }),
      );
      // Never a success for what was not stored: the node keeps the report and sends it again.
      if (result.failedJobs.some((item) => item.error.code === "INTERNAL")) {
        throw new HttpError(503, {
          code: "REPORT_NOT_STORED",
          message: "an item could not be stored (the database may be unavailable); send the batch again",
          details: result,
          headers: { "retry-after": "5" },
        });
      }
      return c.json(result, 207, {
        "x-completed-jobs": String(result.completedJobs.length),
        "x-failed-jobs": String(result.failedJobs.length),
      });
    },
  );
  app.all("/", methodNotAllowed(["POST"]));
  return app;
}
