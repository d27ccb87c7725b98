import { describe, expect, it } from "vitest";
import { jobReportBatchSchema, reportAnswerSchema } from "./job-report.ts";

const job = {
  jobId: "5b0e5a4c-4a36-4c71-9d1f-0a7c8b2d6a11",
  leaseToken: "0f8fad5b-d9cb-469f-a165-70867728950e",
};

describe("jobReportBatchSchema", () => {
  const stats = {
    audioSeconds: 600,
    wallMs: 12_000,
    realTimeFactor: 0.02,
    peakRssBytes: 300_000_000,
    nodeId: "n1",
  };
  const event = {
    startMs: 960,
    endMs: 2880,
    peakProbability: 0.9,
    meanProbability: 0.6,
    classId: 13,
    className: "Laughter",
    clipKey: "user-1/rec-1/960.wav",
  };

  it("accepts completed and failed reports", () => {
    const body = {
      reports: [
        {
          jobId: job.jobId,
          leaseToken: job.leaseToken,
          status: "completed",
          modelVersion: "m@1",
          events: [event],
          stats,
        },
        {
          jobId: job.jobId,
          leaseToken: job.leaseToken,
          status: "failed",
          error: { retryable: false, reason: "UNDECODABLE_AUDIO", message: "not audio" },
        },
      ],
    };
    expect(jobReportBatchSchema.parse(body)).toEqual(body);
  });

  it("rejects a reason that is not SCREAMING_SNAKE and a completed report without stats", () => {
    const failed = {
      jobId: job.jobId,
      leaseToken: job.leaseToken,
      status: "failed",
      error: { retryable: true, reason: "oops", message: "" },
    };
    expect(jobReportBatchSchema.safeParse({ reports: [failed] }).success).toBe(false);
    const completed = {
      jobId: job.jobId,
      leaseToken: job.leaseToken,
      status: "completed",
      modelVersion: "m",
      events: [],
    };
    expect(jobReportBatchSchema.safeParse({ reports: [completed] }).success).toBe(false);
  });
});

describe("start notices and answers", () => {
  it("a batch carries a started notice; the answer's per-item codes parse, unknown keys ignored", () => {
    const started = { ...job, status: "started" };
    expect(jobReportBatchSchema.parse({ reports: [started] })).toEqual({ reports: [started] });
    expect(jobReportBatchSchema.safeParse({ reports: [{ ...job, status: "begun" }] }).success).toBe(false);
    const answer = {
      completedJobs: [],
      failedJobs: [{ jobId: "42", jobStatus: "processing", error: { code: "INTERNAL", message: "x" } }],
      startedJobs: [{ jobId: "43", startedAt: "2026-12-04T10:00:00.000Z" }],
    };
    expect(reportAnswerSchema.parse(answer).failedJobs[0]).toEqual({
      jobId: "42",
      error: { code: "INTERNAL", message: "x" },
    });
  });
});
