import { afterEach, describe, expect, it } from "vitest";
import { streamAudio } from "./audio-stream.ts";
import { JobFailure } from "./job-failure.ts";
import { type AudioServer, startAudioServer } from "./testing/audio-server.ts";

const body = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
let server: AudioServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("streamAudio", () => {
  it("streams the whole body in chunks", async () => {
    server = await startAudioServer({ body });
    let chunks = 0;
    const parts: Uint8Array[] = [];
    for await (const chunk of streamAudio(server.url)) {
      chunks++;
      parts.push(chunk);
    }
    expect(Buffer.concat(parts).equals(Buffer.from(body))).toBe(true);
    expect(chunks).toBeGreaterThan(1);
    expect(server.ranges).toEqual([undefined]);
  });

  it("resumes with Range: bytes=<received>- after the connection drops mid-body", async () => {
    server = await startAudioServer({ body, dropAfterBytes: 70_000, drops: 2 });
    const retries: number[] = [];
    const received = await collect(
      streamAudio(server.url, { retryBaseDelayMs: 1, onRetry: (info) => retries.push(info.receivedBytes) }),
    );
    expect(Buffer.from(received).equals(Buffer.from(body))).toBe(true);
    expect(server.ranges[0]).toBeUndefined();
    expect(server.ranges.slice(1)).toEqual(retries.map((bytes) => `bytes=${bytes}-`));
    expect(retries.length).toBe(2);
    expect(retries[0]).toBeGreaterThan(0);
  });

  it("resumes by skipping when the server ignores Range", async () => {
    server = await startAudioServer({ body, dropAfterBytes: 50_000, supportRanges: false });
    const received = await collect(streamAudio(server.url, { retryBaseDelayMs: 1 }));
    expect(Buffer.from(received).equals(Buffer.from(body))).toBe(true);
    expect(server.ranges.length).toBe(2);
  });

  it.each([
    [404, "AUDIO_NOT_FOUND", false],
    [403, "AUDIO_NOT_FOUND", false],
    [400, "AUDIO_FETCH_REJECTED", false],
    [503, "AUDIO_FETCH_FAILED", true],
  ])("HTTP %i → %s (retryable: %s)", async (status, reason, retryable) => {
    server = await startAudioServer({ body, status });
    const error = await collect(streamAudio(server.url, { maxRetries: 2, retryBaseDelayMs: 1 })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(JobFailure);
    expect(error).toMatchObject({ reason, retryable });
    expect(server.ranges.length).toBe(retryable ? 3 : 1);
  });

  it("gives up with a retryable failure after bounded retries without progress", async () => {
    const error = await collect(
      streamAudio("http://127.0.0.1:9/x", { maxRetries: 1, retryBaseDelayMs: 1 }),
    ).catch((e) => e);
    expect(error).toMatchObject({ reason: "AUDIO_FETCH_FAILED", retryable: true });
  });

  it("stops at once when aborted, rethrowing the abort reason", async () => {
    server = await startAudioServer({ body, bytesPerSecond: 20_000 });
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 100);
    const error = await collect(streamAudio(server.url, { signal: controller.signal })).catch((e) => e);
    expect(error).toBe(reason);
  });
});
