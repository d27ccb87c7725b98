import { describe, expect, it } from "vitest";
import {
  buildWav,
  chunked,
  WAV_SAMPLE_ENCODINGS,
  type WavSampleEncoding,
} from "../../../tooling/wav-fixtures.ts";
import { AudioDecodeError, type AudioDecodeWarning } from "./audio-decode-error.ts";
import { ByteReader } from "./byte-reader.ts";
import type { MonoPcmChunk } from "./mono-pcm.ts";
import { decodeWav } from "./wav-decoder.ts";

const decode = async (bytes: Uint8Array, chunkBytes = 4096) => {
  const warnings: AudioDecodeWarning[] = [];
  const chunks: MonoPcmChunk[] = [];
  for await (const chunk of decodeWav(new ByteReader(chunked(bytes, chunkBytes)), (w) => warnings.push(w))) {
    chunks.push(chunk);
  }
  const samples = new Float32Array(chunks.reduce((n, c) => n + c.samples.length, 0));
  let at = 0;
  for (const c of chunks) {
    samples.set(c.samples, at);
    at += c.samples.length;
  }
  return { samples, sampleRateHz: chunks[0]?.sampleRateHz, warnings };
};

const errorOf = async (promise: Promise<unknown>): Promise<AudioDecodeError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AudioDecodeError) return error;
    throw error;
  }
  throw new Error("expected an AudioDecodeError");
};

/** Quantisation step of each encoding: the tolerance a round trip must meet. */
const STEP: Readonly<Record<WavSampleEncoding, number>> = {
  uint8: 1 / 128,
  int16: 1 / 32768,
  int24: 1 / 8388608,
  int32: 1 / 2147483648,
  float32: 1e-7,
  float64: 1e-7,
};

const ramp = (length: number, scale: number) =>
  Float32Array.from({ length }, (_, i) => scale * Math.sin(i / 7));

describe("decodeWav", () => {
  for (const encoding of WAV_SAMPLE_ENCODINGS) {
    for (const extensible of [false, true]) {
      it(`decodes ${encoding}${extensible ? " (WAVE_FORMAT_EXTENSIBLE)" : ""}`, async () => {
        const mono = ramp(1001, 0.8);
        const { samples, sampleRateHz } = await decode(
          buildWav({ sampleRateHz: 22_050, channels: [mono], encoding, extensible }),
        );
        expect(sampleRateHz).toBe(22_050);
        expect(samples.length).toBe(1001);
        for (let i = 0; i < mono.length; i++)
          expect(Math.abs(samples[i]! - mono[i]!)).toBeLessThanOrEqual(STEP[encoding]);
      });
    }
  }

  it("averages 6 channels into mono", async () => {
    const channels = [0.6, -0.2, 0.1, 0.3, 0, -0.4].map((level) => new Float32Array(100).fill(level));
    const { samples } = await decode(
      buildWav({ sampleRateHz: 48_000, channels, encoding: "int24", extensible: true }),
    );
    expect(samples.length).toBe(100);
    for (const value of samples) expect(value).toBeCloseTo(0.4 / 6, 5);
  });

  it("skips an odd-sized LIST chunk and its pad byte, even with 1-byte chunks", async () => {
    const mono = ramp(300, 0.5);
    const { samples } = await decode(
      buildWav({ sampleRateHz: 8000, channels: [mono], encoding: "int16", listChunkBytes: 13 }),
      1,
    );
    expect(samples.length).toBe(300);
    expect(samples[123]).toBeCloseTo(mono[123]!, 4);
  });

  it.each([0, 0xffffffff])(
    "reads to end of stream when the data size is %i (streamed WAV)",
    async (declared) => {
      const { samples } = await decode(
        buildWav({
          sampleRateHz: 16_000,
          channels: [ramp(777, 0.5)],
          encoding: "int16",
          declaredDataBytes: declared,
        }),
      );
      expect(samples.length).toBe(777);
    },
  );

  it("decodes the whole frames of a file truncated mid-sample and warns", async () => {
    const bytes = buildWav({
      sampleRateHz: 16_000,
      channels: [ramp(500, 0.5), ramp(500, 0.5)],
      encoding: "int24",
    });
    const { samples, warnings } = await decode(bytes.subarray(0, bytes.length - 4));
    expect(samples.length).toBe(499);
    expect(warnings.map((w) => w.message).join("\n")).toMatch(/mid-frame/);
  });

  it("reports TRUNCATED_AUDIO with the offset when the header is cut", async () => {
    const bytes = buildWav({ sampleRateHz: 16_000, channels: [ramp(10, 0.5)], encoding: "int16" });
    for (const cut of [5, 20, 30]) {
      const error = await errorOf(decode(bytes.subarray(0, cut)));
      expect(error.code).toBe("TRUNCATED_AUDIO");
      expect(error.byteOffset).toBeLessThanOrEqual(cut);
    }
  });

  it("reports EMPTY_AUDIO for a header with no frames", async () => {
    const error = await errorOf(
      decode(buildWav({ sampleRateHz: 16_000, channels: [new Float32Array(0)], encoding: "int16" })),
    );
    expect(error.code).toBe("EMPTY_AUDIO");
  });

  it("names compressed WAV encodings it cannot decode", async () => {
    const bytes = buildWav({ sampleRateHz: 8000, channels: [ramp(10, 0.5)], encoding: "uint8" });
    new DataView(bytes.buffer).setUint16(20, 0x0006, true);
    const error = await errorOf(decode(bytes));
    expect(error.code).toBe("UNSUPPORTED_FORMAT");
    expect(error.message).toMatch(/A-law/);
  });

  it("rejects data before fmt as CORRUPT_AUDIO", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("RIFF\0\0\0\0WAVEdata"), 2, 0, 0, 0, 0, 0]);
    expect((await errorOf(decode(bytes))).code).toBe("CORRUPT_AUDIO");
  });
});
