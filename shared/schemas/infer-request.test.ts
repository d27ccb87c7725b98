import { describe, expect, it } from "vitest";
import { inferRequestSchema } from "./infer-request.ts";

const job = {
  jobId: "5b0e5a4c-4a36-4c71-9d1f-0a7c8b2d6a11",
  leaseToken: "0f8fad5b-d9cb-469f-a165-70867728950e",
  audioUrl: "https://storage.example.com/recordings/a.ogg?X-Amz-Signature=abc",
  recordingStartedAt: "2026-11-27T08:00:00Z",
  format: "auto",
  clipKeyPrefix: "user-1/rec-1/",
  callbackUrl: "https://project.supabase.co/functions/v1/job-report",
  deadline: "2026-11-28T03:00:00.000+00:00",
};

describe("inferRequestSchema", () => {
  it("accepts a well-formed batch", () => {
    expect(inferRequestSchema.parse({ jobs: [job] })).toEqual({ jobs: [job] });
  });

  it("accepts the queue's bigint job id as decimal digits", () => {
    const queueJob = { ...job, jobId: "9223372036854775807" };
    expect(inferRequestSchema.parse({ jobs: [queueJob] })).toEqual({ jobs: [queueJob] });
  });

  it.each([
    ["an empty batch", { jobs: [] }],
    ["a jobId that is neither a bigint nor a uuid", { jobs: [{ ...job, jobId: "job-42" }] }],
    ["a zero jobId", { jobs: [{ ...job, jobId: "0" }] }],
    ["a jobId beyond bigint", { jobs: [{ ...job, jobId: "9223372036854775808" }] }],
    ["a non-http audio URL", { jobs: [{ ...job, audioUrl: "file:///etc/passwd" }] }],
    ["an unknown format", { jobs: [{ ...job, format: "aac" }] }],
    ["a leading slash in the prefix", { jobs: [{ ...job, clipKeyPrefix: "/user-1/" }] }],
    ["a prefix without trailing slash", { jobs: [{ ...job, clipKeyPrefix: "user-1/rec" }] }],
    ["a prefix with ..", { jobs: [{ ...job, clipKeyPrefix: "user-1/../x/" }] }],
    ["a date without offset", { jobs: [{ ...job, deadline: "2026-11-28 03:00" }] }],
  ])("rejects %s", (_name, body) => {
    expect(inferRequestSchema.safeParse(body).success).toBe(false);
  });
});
