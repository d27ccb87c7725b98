/**
 * The inference node end to end, as a real process with the real engine: a 10-minute night streamed
 * from a flaky HTTP server (drops mid-body → Range resume), clips in s3rver, a signed completed report
 * at a real callback receiver, /healthz latency while inferring; an undecodable file → a permanent
 * failure; a missing recording → a permanent AUDIO_NOT_FOUND; Ogg Opus at 24 kbit/s.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AudioServer, startAudioServer } from "../../inference-node/src/jobs/testing/audio-server.ts";
import {
  type ReportReceiver,
  startReportReceiver,
} from "../../inference-node/src/jobs/testing/report-receiver.ts";
import { verifyRequest } from "../../shared/signing/hmac-signature.ts";
import { type S3Endpoint, startS3 } from "../harness/s3.ts";
import {
  buildNightRecording,
  engineAvailable,
  inferSecret,
  integrationJob,
  type NodeProcess,
  percentile,
  postInfer,
  reportSecret,
  soxAvailable,
  startLatencyProbe,
  startNodeProcess,
} from "./inference-node-process.ts";

/**
 * Responsiveness guard for /healthz while a job is inferring: catches inference or decoding blocking the
 * event loop, with room for a loaded CI machine. The 50 ms p99 target itself is measured, not asserted,
 * by `npm run bench:node` (timed targets live in benchmarks, not tests).
 */
const HEALTHZ_P99_GUARD_MS = 200;
const NIGHT_SECONDS = 600;
const run = promisify(execFile);

describe.skipIf(!engineAvailable || !soxAvailable)("inference node (real engine, real process)", () => {
  let dir: string;
  let s3: S3Endpoint;
  let receiver: ReportReceiver;
  let node: NodeProcess;
  const servers: AudioServer[] = [];
  let night: Uint8Array;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "giggles-node-it-"));
    night = await readFile(await buildNightRecording(dir, NIGHT_SECONDS));
    s3 = await startS3();
    receiver = await startReportReceiver();
    node = await startNodeProcess(s3);
  });

  afterAll(async () => {
    await node?.stop();
    for (const server of servers) await server.close();
    await receiver?.close();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads one inference worker per core by default (NODE_INFERENCE_WORKERS, issue 21)", () => {
    const loaded = node.logs().find((line) => line.event === "model_loaded");
    expect(loaded?.inferenceWorkers).toBe(availableParallelism());
  });

  it("processes a 10-minute night: Range resume, clips in storage, signed report, /healthz responsive", async () => {
    // Drops the connection twice, ~5 MB into the body each time.
    const audio = await startAudioServer({ body: night, dropAfterBytes: 5_000_000, drops: 2 });
    servers.push(audio);
    const job = integrationJob(audio.url, receiver.url);
    const before = receiver.received.length;
    const accepted = await postInfer(node.url, [job]);
    expect(accepted).toMatchObject({ status: 202, body: { accepted: [job.jobId], duplicates: [] } });

    // A redelivery of the same lease while it runs (signed afresh, as the dispatcher does) is
    // acknowledged as a duplicate, not run twice; the very same signed request again would be a replay.
    expect((await postInfer(node.url, [job], inferSecret, Date.now() + 1000)).body).toEqual({
      accepted: [],
      duplicates: [job.jobId],
    });

    // Sample /healthz back to back (from another process) until the report arrives.
    const probe = startLatencyProbe(`${node.url}/healthz`);
    await receiver.waitFor(before + 1);
    const latenciesMs = await probe.stop();
    const p99Ms = percentile(latenciesMs, 99);
    const [received] = await receiver.waitFor(before + 1).then((all) => all.slice(before));
    const report = received!.report;
    console.log(
      JSON.stringify({
        healthz: {
          samples: latenciesMs.length,
          p50Ms: percentile(latenciesMs, 50),
          p99Ms,
          maxMs: Math.max(...latenciesMs),
        },
        stats: report.status === "completed" ? report.stats : undefined,
        events: report.status === "completed" ? report.events.length : undefined,
        ranges: audio.ranges,
      }),
    );

    expect(
      await verifyRequest(reportSecret, {
        method: received!.method,
        url: received!.path,
        headers: received!.headers,
        body: received!.rawBody,
      }),
    ).toMatchObject({ ok: true });
    expect(report).toMatchObject({ jobId: job.jobId, leaseToken: job.leaseToken, status: "completed" });
    if (report.status !== "completed") throw new Error(JSON.stringify(report));
    expect(report.modelVersion).toMatch(/^yamnet-onnx@/);
    expect(report.stats.audioSeconds).toBeCloseTo(NIGHT_SECONDS, 0);
    expect(report.stats.nodeId).toBe("it-node-1");
    expect(report.stats.peakRssBytes).toBeLessThan(1024 * 1024 * 1024);
    expect(report.events.length).toBeGreaterThan(10);

    // The connection dropped twice and the download resumed from where it stopped.
    expect(audio.ranges.length).toBe(3);
    expect(audio.ranges[1]).toMatch(/^bytes=\d+-$/);

    // Every event's clip is in the clips bucket, as a WAV.
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.buckets.clips, Prefix: job.clipKeyPrefix }),
    );
    const keys = (listed.Contents ?? []).map((object) => object.Key).sort();
    expect(keys).toEqual(report.events.map((event) => event.clipKey).sort());
    for (const event of report.events) expect(event.clipKey).toBe(`${job.clipKeyPrefix}${event.startMs}.wav`);
    const first = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.buckets.clips, Key: report.events[0]!.clipKey }),
    );
    const bytes = await first.Body!.transformToByteArray();
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("RIFF");

    expect(p99Ms).toBeLessThan(HEALTHZ_P99_GUARD_MS);

    const metrics = await (await request(`${node.url}/metrics`)).body.text();
    expect(metrics).toContain('giggles_node_jobs_total{outcome="completed"} 1');
    const lines = node.logs().filter((line) => line.jobId === job.jobId);
    expect(lines.map((line) => line.event)).toEqual(
      expect.arrayContaining([
        "job_accepted",
        "job_started",
        "audio_fetch_retry",
        "job_completed",
        "report_delivered",
      ]),
    );
  });

  it("processes Ogg Opus at 24 kbit/s (what the recorders upload), format sniffed", async () => {
    const wav = join(dir, "opus-source.wav");
    await writeFile(wav, night.subarray(0, 44 + 180 * 32_000)); // header + first 3 minutes
    const opus = join(dir, "night.opus");
    await run("opusenc", ["--quiet", "--bitrate", "24", wav, opus]);
    const audio = await startAudioServer({ body: await readFile(opus) });
    servers.push(audio);
    const job = integrationJob(audio.url, receiver.url, { format: "auto" });
    const before = receiver.received.length;
    expect((await postInfer(node.url, [job])).status).toBe(202);
    const [received] = (await receiver.waitFor(before + 1)).slice(before);
    const report = received!.report;
    if (report.status !== "completed") throw new Error(JSON.stringify(report));
    expect(report.stats.audioSeconds).toBeGreaterThan(170);
    expect(report.events.length).toBeGreaterThan(3);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.buckets.clips, Prefix: job.clipKeyPrefix }),
    );
    expect(listed.Contents?.length).toBe(report.events.length);
  });

  it("reports an undecodable file as a permanent UNDECODABLE_AUDIO failure", async () => {
    const audio = await startAudioServer({
      body: new TextEncoder().encode("this is a text file, not audio\n".repeat(200)),
    });
    servers.push(audio);
    const job = integrationJob(audio.url, receiver.url);
    const before = receiver.received.length;
    expect((await postInfer(node.url, [job])).status).toBe(202);
    const [received] = (await receiver.waitFor(before + 1)).slice(before);
    expect(received!.report).toMatchObject({
      jobId: job.jobId,
      status: "failed",
      error: { retryable: false, reason: "UNDECODABLE_AUDIO" },
    });
  });

  it("reports a missing recording as a permanent AUDIO_NOT_FOUND failure", async () => {
    const audio = await startAudioServer({ body: new Uint8Array(0), status: 404 });
    servers.push(audio);
    const job = integrationJob(audio.url, receiver.url);
    const before = receiver.received.length;
    expect((await postInfer(node.url, [job])).status).toBe(202);
    const [received] = (await receiver.waitFor(before + 1)).slice(before);
    expect(received!.report).toMatchObject({
      status: "failed",
      error: { retryable: false, reason: "AUDIO_NOT_FOUND" },
    });
  });

  it("refuses unsigned batches with 401", async () => {
    const job = integrationJob("http://127.0.0.1:9/x.wav", receiver.url);
    const res = await postInfer(node.url, [job], "wrong-secret-000000000000000000000000000");
    expect(res).toMatchObject({ status: 401, body: { error: { code: "BAD_SIGNATURE" } } });
  });
});
