import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { type PairedDecision, pairedF1Difference } from "./paired-bootstrap.ts";

/** 60 groups of 3 recordings, a third of them laughter; `a` right with probability `pa`, `b` with `pb`. */
function decisions(pa: number, pb: number): PairedDecision[] {
  const random = seededRandom(9);
  return Array.from({ length: 180 }, (_, i) => {
    const isLaughter = i % 3 === 0;
    return {
      group: `g${Math.floor(i / 3)}`,
      isLaughter,
      a: random() < pa ? isLaughter : !isLaughter,
      b: random() < pb ? isLaughter : !isLaughter,
    };
  });
}

describe("pairedF1Difference", () => {
  it("is exactly zero for the same decisions", () => {
    const same = decisions(0.9, 0.9).map((d) => ({ ...d, b: d.a }));
    expect(pairedF1Difference(same, { resamples: 200, seed: 1 })).toEqual({ low: 0, median: 0, high: 0 });
  });

  it("puts a clearly better detector above zero, and reproduces with its seed", () => {
    const data = decisions(0.97, 0.75);
    const interval = pairedF1Difference(data, { resamples: 500, seed: 2 });
    expect(interval.low).toBeGreaterThan(0);
    expect(interval.low).toBeLessThanOrEqual(interval.median);
    expect(interval.median).toBeLessThanOrEqual(interval.high);
    expect(pairedF1Difference(data, { resamples: 500, seed: 2 })).toEqual(interval);
  });

  it("refuses no decisions", () => {
    expect(() => pairedF1Difference([], { resamples: 10, seed: 1 })).toThrow(/no decisions/);
  });
});
