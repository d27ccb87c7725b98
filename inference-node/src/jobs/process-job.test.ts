import { afterEach, describe, expect, it } from "vitest";
import { JobAborted } from "./job-failure.ts";
import { silentLogger } from "./logger.ts";
import { type ProcessJobDeps, processJob } from "./process-job.ts";
import { type AudioServer, startAudioServer } from "./testing/audio-server.ts";
import { createFakeEngine, fakeEvent, UNDECODABLE_MAGIC } from "./testing/fake-engine.ts";
import { makeJob } from "./testing/jobs.ts";
import { createMemoryClipStore } from "./testing/memory-clip-store.ts";

let server: AudioServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function deps(overrides: Partial<ProcessJobDeps> = {}): ProcessJobDeps {
  return {
    engine: createFakeEngine(),
    clipStore: createMemoryClipStore(),
    logger: silentLogger,
    nodeId: "node-test",
    audioFetchRetries: 3,
    audioIdleTimeoutMs: 5_000,
    clipUploadAttempts: 3,
    retryBaseDelayMs: 1,
    ...overrides,
  };
}

describe("processJob", () => {
  it("completes with events, clip keys and stats; clips are stored at <prefix><startMs>.wav", async () => {
    server = await startAudioServer({ body: new Uint8Array(320_000), dropAfterBytes: 100_000 });
    const clipStore = createMemoryClipStore({ failures: 1 });
    const engine = createFakeEngine({ events: [fakeEvent(960), fakeEvent(5280.4)] });
    const job = makeJob({ audioUrl: server.url, clipKeyPrefix: "u1/r1/" });
    const report = await processJob(job, deps({ engine, clipStore }), new AbortController().signal);
    expect(report).toMatchObject({
      jobId: job.jobId,
      leaseToken: job.leaseToken,
      status: "completed",
      modelVersion: "fake-yamnet@0000",
      stats: { audioSeconds: 10, nodeId: "node-test" },
    });
    if (report.status !== "completed") throw new Error("unreachable");
    expect(report.events.map((event) => event.clipKey)).toEqual(["u1/r1/960.wav", "u1/r1/5280.wav"]);
    expect([...clipStore.objects.keys()]).toEqual(["u1/r1/960.wav", "u1/r1/5280.wav"]);
    expect(clipStore.puts).toBe(3); // one injected failure, retried
    expect(report.stats.peakRssBytes).toBeGreaterThan(0);
    expect(report.stats.realTimeFactor).toBeGreaterThan(0);
  });

  it("reports skipped damage as corrupt, not truncated (issue 19 item 7)", async () => {
    server = await startAudioServer({ body: new Uint8Array(32_000) });
    const engine = createFakeEngine({
      warnings: [
        { message: "Ogg Opus: 2499 damaged byte(s) at byte 1073265 were skipped", byteOffset: 1_073_265 },
        { message: "Ogg Opus: 2530 damaged byte(s) at byte 2138200 were skipped", byteOffset: 2_138_200 },
      ],
    });
    const report = await processJob(
      makeJob({ audioUrl: server.url }),
      deps({ engine }),
      new AbortController().signal,
    );
    expect(report).toMatchObject({
      status: "completed",
      corrupt: {
        message: "Ogg Opus: 2499 damaged byte(s) at byte 1073265 were skipped",
        byteOffset: 1_073_265,
        damagedParts: 2,
      },
    });
    expect(report).not.toHaveProperty("truncated");
  });

  it("reports undecodable audio as a permanent UNDECODABLE_AUDIO failure", async () => {
    server = await startAudioServer({ body: new TextEncoder().encode(`${UNDECODABLE_MAGIC} garbage`) });
    const report = await processJob(makeJob({ audioUrl: server.url }), deps(), new AbortController().signal);
    expect(report).toMatchObject({
      status: "failed",
      error: { reason: "UNDECODABLE_AUDIO", retryable: false },
    });
  });

  it("reports a 404 audio URL as a permanent AUDIO_NOT_FOUND failure", async () => {
    server = await startAudioServer({ body: new Uint8Array(0), status: 404 });
    const report = await processJob(makeJob({ audioUrl: server.url }), deps(), new AbortController().signal);
    expect(report).toMatchObject({
      status: "failed",
      error: { reason: "AUDIO_NOT_FOUND", retryable: false },
    });
  });

  it("reports clip storage that keeps failing as retryable CLIP_UPLOAD_FAILED", async () => {
    server = await startAudioServer({ body: new Uint8Array(32_000) });
    const report = await processJob(
      makeJob({ audioUrl: server.url }),
      deps({
        engine: createFakeEngine({ events: [fakeEvent(0)] }),
        clipStore: createMemoryClipStore({ failures: 10 }),
      }),
      new AbortController().signal,
    );
    expect(report).toMatchObject({
      status: "failed",
      error: { reason: "CLIP_UPLOAD_FAILED", retryable: true },
    });
  });

  it("reports an abort at shutdown as retryable SHUTTING_DOWN with partial stats", async () => {
    server = await startAudioServer({ body: new Uint8Array(640_000), bytesPerSecond: 200_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new JobAborted("SHUTTING_DOWN")), 300);
    const report = await processJob(makeJob({ audioUrl: server.url }), deps(), controller.signal);
    expect(report).toMatchObject({ status: "failed", error: { reason: "SHUTTING_DOWN", retryable: true } });
    if (report.status !== "failed") throw new Error("unreachable");
    expect(report.stats?.audioSeconds).toBeGreaterThan(0);
  });

  it("reports an engine bug as permanent ENGINE_FAILED: it would recur on the same bytes", async () => {
    server = await startAudioServer({ body: new Uint8Array(100) });
    const engine = createFakeEngine();
    engine.detect = async () => {
      throw new TypeError("cannot read properties of undefined");
    };
    const report = await processJob(
      makeJob({ audioUrl: server.url }),
      deps({ engine }),
      new AbortController().signal,
    );
    expect(report).toMatchObject({
      status: "failed",
      error: {
        reason: "ENGINE_FAILED",
        retryable: false,
        message: "TypeError: cannot read properties of undefined",
      },
    });
  });
});

describe("processJob: the audio is the one declared and confirmed", () => {
  it("sends If-Match with the confirmed ETag and completes when the object is unchanged", async () => {
    server = await startAudioServer({ body: new Uint8Array(32_000), etag: "abc123" });
    const job = makeJob({ audioUrl: server.url, audioEtag: '"abc123"' });
    const report = await processJob(job, deps(), new AbortController().signal);
    expect(report.status).toBe("completed");
    expect(server.ifMatches).toEqual(['"abc123"']);
  });

  it("fails permanently with AUDIO_CHANGED when storage holds another object than the confirmed one", async () => {
    server = await startAudioServer({ body: new Uint8Array(32_000), etag: "replaced" });
    const job = makeJob({ audioUrl: server.url, audioEtag: '"abc123"' });
    const report = await processJob(job, deps(), new AbortController().signal);
    expect(report).toMatchObject({ status: "failed", error: { reason: "AUDIO_CHANGED", retryable: false } });
  });

  it("stops with a permanent AUDIO_TOO_LONG once the decoded audio runs well past the declared duration", async () => {
    // The fake engine counts 32 bytes per ms: 100 s of audio against 1 s declared (limit 1.1 s + 60 s).
    server = await startAudioServer({ body: new Uint8Array(3_200_000) });
    const job = makeJob({ audioUrl: server.url, declaredDurationMs: 1000 });
    const report = await processJob(job, deps(), new AbortController().signal);
    expect(report).toMatchObject({ status: "failed", error: { reason: "AUDIO_TOO_LONG", retryable: false } });
    if (report.status !== "failed") throw new Error("unreachable");
    expect(report.stats?.audioSeconds).toBeGreaterThan(61);
    expect(report.stats?.audioSeconds).toBeLessThan(70);
    // Within the tolerance it completes.
    const ok = makeJob({ audioUrl: server.url, declaredDurationMs: 95_000 });
    expect((await processJob(ok, deps(), new AbortController().signal)).status).toBe("completed");
  });
});
