/**
 * Fault suite, one job on the node (issue 10): the real engine, the real S3 client and report sender,
 * against local servers that misbehave the way the faults did.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../inference-node/src/config/config.ts";
import { createEngine } from "../../inference-node/src/engine/engine.ts";
import type { Engine } from "../../inference-node/src/engine/types.ts";
import { createS3ClipStore } from "../../inference-node/src/jobs/clip-store.ts";
import { silentLogger } from "../../inference-node/src/jobs/logger.ts";
import { type ProcessJobDeps, processJob } from "../../inference-node/src/jobs/process-job.ts";
import { sendReport } from "../../inference-node/src/jobs/report-sender.ts";
import { startAudioServer } from "../../inference-node/src/jobs/testing/audio-server.ts";
import { makeJob } from "../../inference-node/src/jobs/testing/jobs.ts";
import { createMemoryClipStore } from "../../inference-node/src/jobs/testing/memory-clip-store.ts";
import { startReportReceiver } from "../../inference-node/src/jobs/testing/report-receiver.ts";
import { jobReportSchema } from "../../shared/schemas/job-report.ts";
import { type S3Fault, startFaultyS3 } from "../harness/faulty-s3.ts";
import { devAudio } from "./fault-inputs.ts";

const SECRET = "fault-suite-secret-0123456789abcdef0123";
let engine: Engine;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  engine = await createEngine();
});
afterAll(() => engine.dispose());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function jobAgainst(fault: S3Fault, overrides: Partial<ProcessJobDeps> = {}) {
  const s3 = await startFaultyS3(fault);
  const audio = await startAudioServer({ body: devAudio("laugh_040.wav") });
  const clipStore = createS3ClipStore(
    parseConfig({
      NODE_ID: "fault-node",
      INFER_SIGNING_SECRET: SECRET,
      REPORT_SIGNING_SECRET: `${SECRET}-report`,
      CLIPS_S3_ENDPOINT: s3.endpoint,
      CLIPS_S3_REGION: "us-east-1",
      CLIPS_S3_ACCESS_KEY_ID: "faults",
      CLIPS_S3_SECRET_ACCESS_KEY: "faults",
      CLIPS_BUCKET: "clips",
    }),
  );
  cleanups.push(async () => {
    clipStore.close();
    await audio.close();
    await s3.close();
  });
  const report = await processJob(
    makeJob({ audioUrl: audio.url }),
    {
      engine,
      clipStore,
      logger: silentLogger,
      nodeId: "fault-node",
      audioFetchRetries: 0,
      audioIdleTimeoutMs: 5_000,
      clipUploadAttempts: 2,
      retryBaseDelayMs: 1,
      ...overrides,
    },
    new AbortController().signal,
  );
  return { report, s3 };
}

describe("item 7: a failure message over 2,000 characters", () => {
  it("is truncated where it is made, and the report is delivered", async () => {
    const { report } = await jobAgainst("long-error");
    expect(report).toMatchObject({
      status: "failed",
      error: { reason: "CLIP_UPLOAD_FAILED", retryable: true },
    });
    if (report.status !== "failed") throw new Error("unreachable");
    expect(report.error.message.length).toBeLessThanOrEqual(500);
    const receiver = await startReportReceiver();
    cleanups.push(() => receiver.close());
    const outcome = await sendReport(receiver.url, report, {
      secret: SECRET,
      deadlineMs: Date.now() + 5_000,
    });
    expect(outcome).toEqual({ delivered: true, attempts: 1 });
  });

  it("sendReport bounds a message it is handed rather than lose the report", async () => {
    const receiver = await startReportReceiver();
    cleanups.push(() => receiver.close());
    const outcome = await sendReport(
      receiver.url,
      {
        jobId: crypto.randomUUID(),
        leaseToken: crypto.randomUUID(),
        status: "failed",
        error: {
          retryable: true,
          reason: "AUDIO_FETCH_FAILED",
          message: `unusable Content-Range ${"9".repeat(3_000)}`,
        },
      },
      { secret: SECRET, deadlineMs: Date.now() + 5_000 },
    );
    expect(outcome).toEqual({ delivered: true, attempts: 1 });
    expect(receiver.received[0]?.report).toMatchObject({ status: "failed" });
  });
});

describe("item 6: a truncated recording on the node", () => {
  it("is completed with what arrived and the report says it was truncated, with the byte offset", async () => {
    const audio = await startAudioServer({ body: devAudio("laugh_040.wav").subarray(0, 90_000) });
    cleanups.push(() => audio.close());
    const report = await processJob(
      makeJob({ audioUrl: audio.url }),
      {
        engine,
        clipStore: createMemoryClipStore(),
        logger: silentLogger,
        nodeId: "fault-node",
        audioFetchRetries: 0,
        audioIdleTimeoutMs: 5_000,
        clipUploadAttempts: 1,
      },
      new AbortController().signal,
    );
    expect(report).toMatchObject({
      status: "completed",
      truncated: { byteOffset: 90_000, message: expect.stringMatching(/declares 180480 bytes/) },
    });
    expect(jobReportSchema.parse(report)).toMatchObject({ truncated: { byteOffset: 90_000 } });
  });
});

describe("item 13: a silent S3", () => {
  it("times each clip PUT out and fails the job as retryable CLIP_UPLOAD_FAILED, long before the lease ends", async () => {
    const { report, s3 } = await jobAgainst("silent", { clipUploadTimeoutMs: 500 });
    expect(report).toMatchObject({
      status: "failed",
      error: { reason: "CLIP_UPLOAD_FAILED", retryable: true },
    });
    expect(s3.puts).toBe(2);
  }, 20_000);
});
