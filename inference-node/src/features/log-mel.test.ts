import { describe, expect, it } from "vitest";
import { LOG_OFFSET, MEL_BANDS } from "../../../shared/yamnet/constants.ts";
import { frameCountForSamples, logMelSpectrogram, periodicHannWindow } from "./log-mel.ts";

describe("log-mel front end", () => {
  it("frames 25 ms windows every 10 ms", () => {
    expect(frameCountForSamples(399)).toBe(0);
    expect(frameCountForSamples(400)).toBe(1);
    expect(frameCountForSamples(15_600)).toBe(96);
    expect(logMelSpectrogram(new Float32Array(15_600))).toHaveLength(96 * MEL_BANDS);
  });

  it("uses a periodic Hann window", () => {
    const w = periodicHannWindow(400);
    expect(w[0]).toBe(0);
    expect(w[200]).toBeCloseTo(1, 15);
    // Periodic: w[n] = w[N − n], and the last sample is not 0.
    expect(w[399]).toBeCloseTo(w[1], 15);
  });

  it("gives log(0.001) for silence", () => {
    const spectrogram = logMelSpectrogram(new Float32Array(800));
    for (const v of spectrogram) expect(v).toBeCloseTo(Math.log(LOG_OFFSET), 6);
  });

  it("peaks in the band of a 1 kHz tone (magnitude, not power)", () => {
    const x = new Float32Array(400);
    for (let n = 0; n < 400; n++) x[n] = Math.sin((2 * Math.PI * 1000 * n) / 16_000);
    const frame = logMelSpectrogram(x);
    const peak = frame.indexOf(Math.max(...frame));
    // Band centres are evenly spaced in mel between mel(125) and mel(7500); 1 kHz sits near band 18.
    expect(peak).toBeGreaterThanOrEqual(17);
    expect(peak).toBeLessThanOrEqual(19);
    // Hann-windowed unit sine: peak magnitude ≈ 400/4 = 100 spread over the band's triangle, so ~log(100).
    expect(frame[peak]).toBeGreaterThan(Math.log(20));
    expect(frame[peak]).toBeLessThan(Math.log(200));
  });
});
