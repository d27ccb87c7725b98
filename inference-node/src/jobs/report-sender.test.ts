import { afterEach, describe, expect, it } from "vitest";
import type { JobReport } from "../../../shared/schemas/job-report.ts";
import { verifyRequest } from "../../../shared/signing/hmac-signature.ts";
import { sendReport } from "./report-sender.ts";
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
});
