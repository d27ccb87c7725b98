import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { logit, trainLogistic } from "./logistic-regression.ts";
import { DEFAULT_MLP_OPTIONS, mlpProbability, trainMlp } from "./mlp.ts";

describe("trainMlp", () => {
  // XOR of the signs of dimensions 0 and 1 (no straight line separates it), with a large offset and scale on
  // every dimension so the standardisation must be folded back into the first layer.
  const random = seededRandom(5);
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 600; i++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    const noise = Float32Array.from({ length: 6 }, () => random());
    rows.push(Float32Array.from([50 + 10 * a, -20 + 10 * b, ...noise].map((x) => 1000 + x)));
    labels.push(Number(a * b > 0));
  }
  const weights = labels.map(() => 1);
  const options = { ...DEFAULT_MLP_OPTIONS, hidden: 16, epochs: 60, batchSize: 32, learningRate: 1e-2 };
  const accuracy = (p: (row: Float32Array) => number) =>
    rows.filter((row, i) => Number(p(row) > 0.5) === labels[i]).length / rows.length;

  it("learns what a logistic regression cannot, on raw features, and is deterministic", () => {
    const model = trainMlp(rows, labels, weights, options);
    expect(accuracy((row) => mlpProbability(model, row))).toBeGreaterThan(0.9);
    const linear = trainLogistic(rows, labels, weights, { l2: 1e-3, iterations: 200, learningRate: 0.05 });
    expect(accuracy((row) => Number(logit(linear, row) > 0))).toBeLessThan(0.7);
    expect(trainMlp(rows, labels, weights, options)).toEqual(model);
  });

  it("follows the sample weights", () => {
    // All weight on the positives: everything is called laughter.
    const skewed = trainMlp(
      rows,
      labels,
      labels.map((y) => (y === 1 ? 1 : 1e-4)),
      options,
    );
    expect(rows.filter((row) => mlpProbability(skewed, row) > 0.5).length).toBeGreaterThan(
      0.95 * rows.length,
    );
  });

  it("refuses an empty training set", () => {
    expect(() => trainMlp([], [], [], options)).toThrow(/no rows/);
  });
});
