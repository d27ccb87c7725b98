import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { logit, sigmoid } from "./logistic-regression.ts";
import { trainShrinkageLda } from "./shrinkage-lda.ts";

describe("trainShrinkageLda", () => {
  // Two Gaussian clouds in 10 dimensions, apart along dimension 2, with correlated nuisance in 0 and 1.
  const random = seededRandom(4);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 400; i++) {
    const y = i % 2;
    const shared = 5 * gauss();
    rows.push(
      Float32Array.from({ length: 10 }, (_, j) =>
        j === 2 ? 1.5 * y + 0.5 * gauss() : j < 2 ? 100 + shared + 0.1 * gauss() : gauss(),
      ),
    );
    labels.push(y);
  }
  const weights = labels.map(() => 1);

  it("finds the separating direction and gives calibrated probabilities on raw features", () => {
    const model = trainShrinkageLda(rows, labels, weights, { shrinkage: 0.1 });
    const p = rows.map((row) => sigmoid(logit(model, row)));
    const accuracy = p.filter((x, i) => Number(x > 0.5) === labels[i]).length / rows.length;
    expect(accuracy).toBeGreaterThan(0.9);
    const strongest = Array.from(model.weights, Math.abs).indexOf(
      Math.max(...Array.from(model.weights, Math.abs)),
    );
    expect(strongest).toBe(2);
    // Calibrated: the mean probability is near the base rate of one half.
    expect(p.reduce((a, b) => a + b, 0) / p.length).toBeCloseTo(0.5, 1);
  });

  it("refuses one class, an empty set and a shrinkage outside (0, 1]", () => {
    expect(() =>
      trainShrinkageLda(
        rows,
        labels.map(() => 0),
        weights,
        { shrinkage: 0.5 },
      ),
    ).toThrow(/both/);
    expect(() => trainShrinkageLda([], [], [], { shrinkage: 0.5 })).toThrow(/no rows/);
    expect(() => trainShrinkageLda(rows, labels, weights, { shrinkage: 0 })).toThrow(/shrinkage/);
  });
});
