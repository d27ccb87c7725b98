import { describe, expect, it } from "vitest";
import { opusRoundTrip } from "./opus-round-trip.ts";
import { changeSpeed } from "./train.ts";

const tone = (hz: number, seconds: number, rateHz = 16_000) =>
  Float32Array.from({ length: seconds * rateHz }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / rateHz));

/** Correlation of a and b over their common length. */
function correlation(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe("opusRoundTrip", () => {
  it("returns the same audio, time-aligned, through Opus at 24 kbit/s", async () => {
    const input = tone(440, 3);
    const output = await opusRoundTrip(input);
    // Opus pads to whole 20 ms frames; the decoder drops the pre-skip, so the start lines up.
    expect(Math.abs(output.length - input.length)).toBeLessThanOrEqual(320);
    expect(correlation(input.subarray(1600), output.subarray(1600))).toBeGreaterThan(0.95);
  });
});

describe("changeSpeed", () => {
  it("plays faster or slower by the factor, pitch with tempo", () => {
    const input = tone(400, 2);
    const fast = changeSpeed(input, 1.25);
    expect(fast.length).toBe(Math.floor(input.length / 1.25));
    // At 1.25× the 400 Hz tone is a 500 Hz tone.
    expect(correlation(fast, tone(500, 2))).toBeGreaterThan(0.99);
    expect(changeSpeed(input, 1)).toEqual(input);
  });
});
