import { describe, expect, it } from "vitest";
import { sine } from "../../../tooling/wav-fixtures.ts";
import { Resampler } from "./resampler.ts";

const OUTPUT_RATE_HZ = 16_000;
const INPUT_RATES_HZ = [8_000, 11_025, 22_050, 32_000, 44_100, 48_000, 96_000, 44_099] as const;

const resampleInChunks = (input: Float32Array, inputRateHz: number, chunkLengths: number[]): Float32Array => {
  const resampler = new Resampler(inputRateHz, OUTPUT_RATE_HZ);
  const parts: Float32Array[] = [];
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const length = chunkLengths[i % chunkLengths.length]!;
    parts.push(resampler.process(input.subarray(at, at + length)));
    at += length;
  }
  parts.push(resampler.flush());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** RMS over the middle of a signal, away from the zero-padded edges. */
const middleRms = (signal: Float32Array, edge: number): number => {
  let sum = 0;
  for (let i = edge; i < signal.length - edge; i++) sum += signal[i]! ** 2;
  return Math.sqrt(sum / (signal.length - 2 * edge));
};

describe("Resampler", () => {
  it.each(INPUT_RATES_HZ)("%i Hz → 16 kHz: length is round(n × 16000 / rate) for many lengths", (rateHz) => {
    for (const length of [0, 1, 2, 3, 17, 441, 1000, 12_345]) {
      const out = resampleInChunks(new Float32Array(length).fill(0.1), rateHz, [length || 1]);
      expect(out.length).toBe(Math.round((length * OUTPUT_RATE_HZ) / rateHz));
    }
  });

  it.each(INPUT_RATES_HZ)("%i Hz → 16 kHz: any chunking gives bit-identical output", (rateHz) => {
    const input = new Float32Array(rateHz / 2);
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37) * 0.3 + Math.sin(i * 0.011) * 0.4;
    const whole = resampleInChunks(input, rateHz, [input.length]);
    expect(resampleInChunks(input, rateHz, [1])).toEqual(whole);
    expect(resampleInChunks(input, rateHz, [7, 1, 4096, 333])).toEqual(whole);
  });

  it.each(INPUT_RATES_HZ)(
    "%i Hz → 16 kHz: a 1 kHz sine keeps its amplitude (±0.5 dB) and timing",
    (rateHz) => {
      const input = sine(1000, rateHz, rateHz);
      const out = resampleInChunks(input, rateHz, [4000]);
      const expected = sine(1000, OUTPUT_RATE_HZ, out.length);
      const gainDb = 20 * Math.log10(middleRms(out, 400) / middleRms(expected, 400));
      expect(Math.abs(gainDb)).toBeLessThan(0.5);
      // Zero delay: sample i is at time i / 16 kHz, so it matches the analytic sine, not a shifted copy.
      let errorSquares = 0;
      for (let i = 400; i < out.length - 400; i++) errorSquares += (out[i]! - expected[i]!) ** 2;
      expect(Math.sqrt(errorSquares / (out.length - 800))).toBeLessThan(1e-3);
    },
  );

  it.each([22_050, 44_100, 48_000, 96_000])(
    "%i Hz → 16 kHz: a 10 kHz tone is rejected by more than 60 dB",
    (rateHz) => {
      const out = resampleInChunks(sine(10_000, rateHz, rateHz), rateHz, [4000]);
      const levelDb = 20 * Math.log10(middleRms(out, 400) / (0.5 / Math.SQRT2));
      expect(levelDb).toBeLessThan(-60);
    },
  );

  it("44.1 kHz → 16 kHz: tones from 8.2 to 20 kHz all stay below -60 dB", () => {
    for (const frequencyHz of [8_200, 9_000, 12_000, 15_000, 20_000]) {
      const out = resampleInChunks(sine(frequencyHz, 44_100, 44_100), 44_100, [4096]);
      expect(20 * Math.log10(middleRms(out, 400) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
    }
  });

  it("16 kHz input passes through untouched", () => {
    const resampler = new Resampler(16_000, 16_000);
    const input = sine(440, 16_000, 1234);
    expect(resampler.process(input)).toBe(input);
    expect(resampler.flush().length).toBe(0);
  });

  it("rejects non-integer rates", () => {
    expect(() => new Resampler(44_100.5, 16_000)).toThrow(RangeError);
  });
});
