/**
 * Fault suite, decoders (issue 10): malformed headers and damaged streams through `decodeTo16kMono`.
 */
import { describe, expect, it } from "vitest";
import { AudioDecodeError, decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { buildWav, sine } from "../../inference-node/src/audio/wav-fixtures.ts";
import { classifyFailure } from "../../inference-node/src/jobs/job-failure.ts";
import { streamOf } from "./fault-inputs.ts";

/** Decodes to the end; returns the sample count or the error. */
async function decode(input: AsyncIterable<Uint8Array>): Promise<{ samples: number } | { error: unknown }> {
  let samples = 0;
  try {
    for await (const chunk of decodeTo16kMono(input)) samples += chunk.length;
    return { samples };
  } catch (error) {
    return { error };
  }
}

describe("item 10: sample rates out of range", () => {
  for (const sampleRateHz of [1, 100, 4_000, 1_000_000_000, 2 ** 31 - 1]) {
    it(`${sampleRateHz} Hz is a permanent UNSUPPORTED_FORMAT, at once`, async () => {
      const wav = buildWav({ sampleRateHz, channels: [new Float32Array(1000)], encoding: "int16" });
      const started = performance.now();
      const outcome = await decode(streamOf(wav));
      expect(performance.now() - started).toBeLessThan(2_000);
      expect("error" in outcome && outcome.error).toBeInstanceOf(AudioDecodeError);
      const error = (outcome as { error: AudioDecodeError }).error;
      expect(error.code).toBe("UNSUPPORTED_FORMAT");
      expect(error.message).toMatch(/8000–384000 Hz/);
      expect(classifyFailure(error).retryable).toBe(false);
    });
  }

  it("8 kHz and 384 kHz still decode", async () => {
    for (const sampleRateHz of [8_000, 384_000]) {
      const wav = buildWav({
        sampleRateHz,
        channels: [sine(440, sampleRateHz, sampleRateHz / 2)],
        encoding: "int16",
      });
      expect(await decode(streamOf(wav))).toEqual({ samples: 8_000 });
    }
  });
});

describe("item 11: a giant fmt or ds64 chunk size", () => {
  for (const id of ["fmt ", "ds64"]) {
    it(`"${id}" declaring 200 MB is CORRUPT_AUDIO without buffering the stream behind it`, async () => {
      let pulledBytes = 0;
      async function* input(): AsyncGenerator<Uint8Array> {
        const header = new Uint8Array(20);
        header.set(
          [..."RIFF"].map((c) => c.charCodeAt(0)),
          0,
        );
        new DataView(header.buffer).setUint32(4, 0xffffffff, true);
        header.set(
          [..."WAVE"].map((c) => c.charCodeAt(0)),
          8,
        );
        header.set(
          [...id].map((c) => c.charCodeAt(0)),
          12,
        );
        new DataView(header.buffer).setUint32(16, 200 * 1024 * 1024, true);
        pulledBytes += header.length;
        yield header;
        for (let i = 0; i < 64; i++) {
          pulledBytes += 64 * 1024;
          yield new Uint8Array(64 * 1024);
        }
      }
      const outcome = await decode(input());
      expect("error" in outcome && (outcome.error as AudioDecodeError).code).toBe("CORRUPT_AUDIO");
      expect(pulledBytes).toBeLessThan(256 * 1024);
    });
  }
});
