import { describe, expect, it } from "vitest";
import { MEL_BANDS, SPECTRUM_BINS } from "../../../shared/yamnet/constants.ts";
import { applyMelFilterBank, createMelFilterBank, hertzToMel } from "./mel-filter-bank.ts";

describe("createMelFilterBank", () => {
  const bands = createMelFilterBank();

  it("has 64 bands inside 125–7500 Hz with DC untouched", () => {
    expect(bands).toHaveLength(MEL_BANDS);
    const binHz = 8000 / (SPECTRUM_BINS - 1);
    for (const band of bands) {
      expect(band.firstBin).toBeGreaterThan(0);
      expect(band.weights.length).toBeGreaterThan(0);
      expect(band.firstBin * binHz).toBeGreaterThan(125);
      expect((band.firstBin + band.weights.length - 1) * binHz).toBeLessThan(7500);
      for (const w of band.weights) expect(w).toBeGreaterThanOrEqual(0);
      expect(Math.max(...band.weights)).toBeLessThanOrEqual(1);
    }
  });

  it("uses the HTK mel scale", () => {
    expect(hertzToMel(700)).toBeCloseTo(1127 * Math.log(2), 12);
  });

  it("builds triangles whose weights follow the mel-space slopes (golden values)", () => {
    // Bin 4 is exactly 125 Hz, band 0's lower edge (weight 0), so band 0 starts at bin 5 (156.25 Hz), which
    // already lies past the band's centre: its weight comes from the falling slope.
    expect(bands[0].firstBin).toBe(5);
    const lower = hertzToMel(125);
    const step = (hertzToMel(7500) - lower) / 65;
    const mel = hertzToMel(5 * 31.25);
    const expected = Math.min((mel - lower) / step, (lower + 2 * step - mel) / step);
    expect(expected).toBeCloseTo(0.9476904648, 9);
    expect(bands[0].weights[0]).toBeCloseTo(expected, 12);
    expect(bands[0].weights).toHaveLength(1);
  });

  it("applies as a sparse matrix product", () => {
    const spectrum = new Float64Array(SPECTRUM_BINS).fill(1);
    const out = new Float64Array(MEL_BANDS);
    applyMelFilterBank(bands, spectrum, out);
    for (let m = 0; m < MEL_BANDS; m++) {
      expect(out[m]).toBeCloseTo(
        bands[m].weights.reduce((a, b) => a + b, 0),
        12,
      );
    }
  });
});
