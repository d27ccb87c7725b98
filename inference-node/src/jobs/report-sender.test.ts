import { afterEach, describe, expect, it } from "vitest";
import type { JobReport } from "../../../shared/schemas/job-report.ts";
import { verifyRequest } from "../../../shared/signing/hmac-signature.ts";
import { sendReport, sendStartNotice } from "./report-sender.ts";
import { type ReportReceiver, startReportReceiver } from "./testing/report-receiver.ts";

const secret = "report-secret-0123456789abcdef012345";
const report: JobReport = {
  jobId: crypto.randomUUID(),
  leaseToken: crypto.randomUUID(),
  status: "failed",
  error: { retryable: false, reason: "UNDECODABLE_AUDIO", message: "not audio" },
};

let receiver: ReportReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("sendReport", () => {
  it("POSTs a signed { reports: [report] } that verifies with the shared secret", async () => {
    receiver = await startReportReceiver();
    const outcome = await sendReport(receiver.url, report, { secret, deadlineMs: Date.now() + 10_000 });
    expect(outcome).toEqual({ delivered: true, attempts: 1 });
    const [received] = receiver.received;
    expect(received?.report).toEqual(report);
    expect(
      await verifyRequest(secret, {
        method: received!.method,
        url: received!.path,
        headers: received!.headers,
        body: received!.rawBody,
      }),
    ).toMatchObject({ ok: true });
    // Signed for this endpoint (the /functions/v1 gateway prefix dropped), not for another one.
    expect(
      await verifyRequest(secret, {
        method: "POST",
        url: "/infer",
        headers: received!.headers,
        body: received!.rawBody,
      }),
    ).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
  });

  it("retries 5xx with backoff until delivered", async () => {
    receiver = await startReportReceiver({ statuses: [503, 500] });
    const outcome = await sendReport(receiver.url, report, {
      secret,
      deadlineMs: Date.now() + 10_000,
      retryBaseDelayMs: 5,
    });
    expect(outcome).toEqual({ delivered: true, attempts: 3 });
  });

  it("stops at a 4xx (the receiver refused, e.g. 409 lease lost)", async () => {
    receiver = await startReportReceiver({ statuses: [409] });
    const outcome = await sendReport(receiver.url, report, { secret, deadlineMs: Date.now() + 10_000 });
    expect(outcome).toMatchObject({ delivered: false, permanent: true, attempts: 1, lastError: "HTTP 409" });
  });

  it("gives up at the deadline, after at least one attempt", async () => {
    const outcome = await sendReport("http://127.0.0.1:9/unreachable", report, {
      secret,
      deadlineMs: Date.now() + 300,
      retryBaseDelayMs: 20,
    });
    expect(outcome).toMatchObject({ delivered: false, permanent: false });
    expect(outcome.attempts).toBeGreaterThanOrEqual(1);
  });

  it("sends again when a 207 says the item was not stored (INTERNAL: a database outage)", async () => {
    const notStored = {
      status: 207,
      body: {
        completedJobs: [],
        failedJobs: [{ jobId: report.jobId, error: { code: "INTERNAL", message: "could not apply" } }],
      },
    };
    receiver = await startReportReceiver({ answers: [notStored, notStored, { status: 503 }] });
    const outcome = await sendReport(receiver.url, report, {
      secret,
      deadlineMs: Date.now() + 10_000,
      retryBaseDelayMs: 5,
    });
    expect(outcome).toEqual({ delivered: true, attempts: 4 });
    expect(receiver.received).toHaveLength(4);
  });

  it("a 207 refusal that retrying cannot change is delivered, with its code", async () => {
    const body = {
      completedJobs: [],
      failedJobs: [{ jobId: report.jobId, error: { code: "LEASE_MISMATCH", message: "superseded" } }],
    };
    receiver = await startReportReceiver({ answers: [{ status: 207, body }] });
    const outcome = await sendReport(receiver.url, report, { secret, deadlineMs: Date.now() + 10_000 });
    expect(outcome).toEqual({ delivered: true, attempts: 1, refusal: "LEASE_MISMATCH" });
  });
});

describe("sendStartNotice", () => {
  const notice = { jobId: report.jobId, leaseToken: report.leaseToken, status: "started" as const };

  it("says run when the notice is stored, lost when the job is gone", async () => {
    receiver = await startReportReceiver({
      answers: [
        { status: 207, body: { completedJobs: [], failedJobs: [], startedJobs: [{ jobId: report.jobId }] } },
        {
          status: 207,
          body: {
            completedJobs: [],
            failedJobs: [{ jobId: report.jobId, error: { code: "JOB_NOT_FOUND", message: "deleted" } }],
          },
        },
      ],
    });
    expect(await sendStartNotice(receiver.url, notice, { secret, budgetMs: 5_000 })).toBe("run");
    expect(await sendStartNotice(receiver.url, notice, { secret, budgetMs: 5_000 })).toBe("lost");
    expect(receiver.started).toEqual([notice, notice]);
    expect(receiver.received).toEqual([]);
  });

  it("says run when the receiver cannot be reached within the budget", async () => {
    const started = Date.now();
    const verdict = await sendStartNotice("http://127.0.0.1:9/unreachable", notice, {
      secret,
      budgetMs: 300,
      retryBaseDelayMs: 20,
    });
    expect(verdict).toBe("run");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
