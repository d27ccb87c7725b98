/**
 * SIGTERM during a job, on a real process: the running job is aborted and reported as retryable
 * SHUTTING_DOWN, the queued one too
 * (/infer answering 503 meanwhile is covered by the unit tests), and the process exits 0.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AudioServer, startAudioServer } from "../../inference-node/src/jobs/testing/audio-server.ts";
import {
  type ReportReceiver,
  startReportReceiver,
} from "../../inference-node/src/jobs/testing/report-receiver.ts";
import { type S3Endpoint, startS3 } from "../harness/s3.ts";
import {
  buildNightRecording,
  engineAvailable,
  integrationJob,
  type NodeProcess,
  postInfer,
  soxAvailable,
  startNodeProcess,
} from "./inference-node-process.ts";

describe.skipIf(!engineAvailable || !soxAvailable)("inference node shutdown (real process)", () => {
  let dir: string;
  let s3: S3Endpoint;
  let receiver: ReportReceiver;
  let audio: AudioServer;
  let node: NodeProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "giggles-node-stop-"));
    const night = await readFile(await buildNightRecording(dir, 120));
    // 120 s of 16 kHz audio is 3.84 MB; at 400 KB/s the download alone keeps the job busy ~10 s.
    audio = await startAudioServer({ body: night, bytesPerSecond: 400_000 });
    s3 = await startS3();
    receiver = await startReportReceiver();
    // One inference worker: partial stats count settled batches, and the engine keeps 4 batches in flight
    // per worker (16 patches each), so with two workers the first batch settles only after ~61 s of audio,
    // more than this slow download delivers in the test's few seconds.
    node = await startNodeProcess(s3, { NODE_MAX_QUEUED_JOBS: "2", NODE_INFERENCE_WORKERS: "1" });
  });

  afterAll(async () => {
    await node?.stop();
    await audio?.close();
    await receiver?.close();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reports the running and the queued job as retryable SHUTTING_DOWN and exits 0", async () => {
    const running = integrationJob(audio.url, receiver.url);
    const queued = integrationJob(audio.url, receiver.url);
    expect((await postInfer(node.url, [running, queued])).status).toBe(202);
    // Wait until the first job is really inferring.
    const until = Date.now() + 30_000;
    while (!node.logs().some((line) => line.event === "job_started" && line.jobId === running.jobId)) {
      if (Date.now() > until) throw new Error(node.output());
      await new Promise((r) => setTimeout(r, 50));
    }
    // Let batches settle, so that the report has partial stats: the first settles once 4 batches of 16
    // patches (~31 s of audio) are in flight; wait for 60 s of audio (1.92 MB) to be delivered, and a moment.
    while (audio.bytesSent() < 60 * 16_000 * 2) {
      if (Date.now() > until) throw new Error(`only ${audio.bytesSent()} bytes delivered: ${node.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));

    node.process.kill("SIGTERM");
    // A second signal must not start a second shutdown. (Sent a little later: the kernel merges
    // identical pending signals.)
    await new Promise((r) => setTimeout(r, 20));
    node.process.kill("SIGTERM");
    const reports = await receiver.waitFor(2, 30_000);
    const exitCode = await node.exited;

    const byJob = new Map(reports.map((r) => [r.report.jobId, r.report]));
    expect(byJob.size).toBe(2);
    for (const job of [running, queued]) {
      expect(byJob.get(job.jobId)).toMatchObject({
        leaseToken: job.leaseToken,
        status: "failed",
        error: { retryable: true, reason: "SHUTTING_DOWN" },
      });
    }
    const runningReport = byJob.get(running.jobId);
    if (runningReport?.status !== "failed") throw new Error("unreachable");
    expect(runningReport.stats?.audioSeconds).toBeGreaterThan(0);
    expect(exitCode).toBe(0);
    const events = node.logs().map((line) => line.event);
    // One shutdown however many signals: the second either finds it running (logged) or, when the drain
    // finished within the 20 ms, the process gone; it never starts a second one.
    expect(events.filter((event) => event === "shutdown_started")).toHaveLength(1);
    expect(events.at(-1)).toBe("shutdown_complete");
    expect(reports.length).toBe(2); // exactly one report per job
  });
});
