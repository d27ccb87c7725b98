import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { calibrated, fitPlatt, logitOf } from "./calibration.ts";
import { sigmoid } from "./logistic-regression.ts";

describe("Platt calibration", () => {
  it("recovers the outcome rate of a known curve", () => {
    const random = seededRandom(5);
    const logits: number[] = [];
    const outcomes: boolean[] = [];
    for (let k = 0; k < 4000; k++) {
      const z = 12 * random() - 2;
      logits.push(z);
      outcomes.push(random() < sigmoid(0.5 * z - 2));
    }
    const c = fitPlatt(logits, outcomes);
    expect(c.scale).toBeCloseTo(0.5, 1);
    expect(c.shift).toBeCloseTo(-2, 0);
    // A raw 0.99 (logit 4.6) is a 56 % laugh on this curve.
    expect(calibrated(c, 0.99)).toBeGreaterThan(0.45);
    expect(calibrated(c, 0.99)).toBeLessThan(0.65);
  });

  it("keeps the order of probabilities (events are unchanged, only the scale moves)", () => {
    const c = fitPlatt([1, 2, 3, 4, 5, 6], [false, false, true, false, true, true]);
    const ps = [0.1, 0.5, 0.9, 0.99, 0.999];
    const mapped = ps.map((p) => calibrated(c, p));
    for (let k = 1; k < mapped.length; k++) expect(mapped[k]).toBeGreaterThan(mapped[k - 1]);
    expect(logitOf(1)).toBeLessThan(17);
  });

  it("says what is missing when one outcome never happens", () => {
    expect(() => fitPlatt([1, 2], [true, true])).toThrow(/needs both outcomes/);
  });
});
