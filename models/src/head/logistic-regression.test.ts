import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { logit, sigmoid, trainLogistic } from "./logistic-regression.ts";

describe("trainLogistic", () => {
  // Two Gaussian clouds in 8 dimensions, separated along dimension 3 only, with a large offset and scale
  // elsewhere (the standardisation must be folded back into weights on raw features).
  const random = seededRandom(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 400; i++) {
    const y = i % 2;
    rows.push(
      Float32Array.from({ length: 8 }, (_, j) => (j === 3 ? 2 * y + gauss() * 0.5 : 100 + 30 * gauss())),
    );
    labels.push(y);
  }
  const weights = labels.map(() => 1);
  const options = { l2: 1e-3, iterations: 200, learningRate: 0.05 };

  it("learns the separating direction on raw features, and is deterministic", () => {
    const model = trainLogistic(rows, labels, weights, options);
    const accuracy =
      rows.filter((row, i) => Number(sigmoid(logit(model, row)) > 0.5) === labels[i]).length / rows.length;
    expect(accuracy).toBeGreaterThan(0.95);
    const strongest = Array.from(model.weights, Math.abs).indexOf(
      Math.max(...Array.from(model.weights, Math.abs)),
    );
    expect(strongest).toBe(3);
    expect(trainLogistic(rows, labels, weights, options)).toEqual(model);
  });

  it("shrinks the weights as the L2 penalty grows", () => {
    const loose = trainLogistic(rows, labels, weights, options);
    const tight = trainLogistic(rows, labels, weights, { ...options, l2: 1 });
    expect(Math.abs(tight.weights[3])).toBeLessThan(Math.abs(loose.weights[3]) / 2);
  });

  it("sigmoid is stable at both ends", () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(0)).toBe(0.5);
  });
});
