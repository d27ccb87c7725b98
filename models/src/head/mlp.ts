/**
 * @module
 * A one-hidden-layer perceptron (ReLU) for the laughter head: weighted binary cross-entropy with L2 on the
 * weights, trained on standardised features by mini-batch Adam with a seeded initialisation and a seeded
 * shuffle per epoch — deterministic, seconds for ~10⁴ × 1024. The standardisation is folded into the first
 * layer, so the model applies to raw features: p = σ(w₂·relu(W₁x + b₁) + b₂).
 */
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { sigmoid } from "./logistic-regression.ts";
import { standardise } from "./standardise.ts";

/** A trained MLP on raw features. `w1` is row-major [hidden, inputSize]. */
export interface MlpModel {
  kind: "mlp";
  inputSize: number;
  hidden: number;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: number;
}

/** Training options. */
export interface MlpOptions {
  hidden: number;
  /** L2 penalty on the (standardised-input) weights, per step. */
  l2: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_MLP_OPTIONS: Readonly<MlpOptions> = Object.freeze({
  hidden: 32,
  l2: 1e-3,
  epochs: 20,
  batchSize: 128,
  learningRate: 1e-3,
  seed: 20261201,
});

/** w₂·relu(W₁x + b₁) + b₂ over one raw row. */
export function mlpLogit(model: MlpModel, row: ArrayLike<number>): number {
  const { inputSize: d, hidden, w1, b1, w2 } = model;
  let out = model.b2;
  for (let h = 0; h < hidden; h++) {
    let z = b1[h];
    const off = h * d;
    for (let j = 0; j < d; j++) z += w1[off + j] * row[j];
    if (z > 0) out += w2[h] * z;
  }
  return out;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Fits p(y=1 | x). `rows` are feature vectors of equal length, `labels` 0/1, `sampleWeights` ≥ 0.
 *
 * @example const model = trainMlp(rows, labels, weights, DEFAULT_MLP_OPTIONS);
 */
export function trainMlp(
  rows: readonly ArrayLike<number>[],
  labels: readonly number[],
  sampleWeights: readonly number[],
  options: MlpOptions = DEFAULT_MLP_OPTIONS,
): MlpModel {
  const n = rows.length;
  if (n === 0) throw new Error("trainMlp: no rows");
  const d = rows[0].length;
  const H = options.hidden;
  const { x, mean, std, totalWeight } = standardise(rows, sampleWeights);
  // Mean sample weight 1, so the step size does not depend on how many rows there are.
  const sw = Float32Array.from(sampleWeights, (w) => (w * n) / totalWeight);

  const random = seededRandom(options.seed);
  const size = H * d + H + H + 1;
  // Parameters in one vector: W1 [H×d], b1 [H], w2 [H], b2.
  const theta = new Float32Array(size);
  for (let k = 0; k < H * d; k++) theta[k] = gaussian(random) * Math.sqrt(2 / d);
  for (let h = 0; h < H; h++) theta[H * d + H + h] = gaussian(random) * Math.sqrt(1 / H);
  const B1 = H * d;
  const W2 = B1 + H;
  const B2 = W2 + H;
  const m = new Float32Array(size);
  const v = new Float32Array(size);
  const grad = new Float32Array(size);
  const z = new Float32Array(H);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let t = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const k = Math.floor(random() * (i + 1));
      [order[i], order[k]] = [order[k], order[i]];
    }
    for (let start = 0; start < n; start += options.batchSize) {
      const end = Math.min(n, start + options.batchSize);
      grad.fill(0);
      for (let s = start; s < end; s++) {
        const i = order[s];
        const off = i * d;
        let out = theta[B2];
        for (let h = 0; h < H; h++) {
          let acc = theta[B1 + h];
          const w = h * d;
          for (let j = 0; j < d; j++) acc += theta[w + j] * x[off + j];
          z[h] = acc;
          if (acc > 0) out += theta[W2 + h] * acc;
        }
        const g = (sw[i] * (sigmoid(out) - labels[i])) / (end - start);
        if (g === 0) continue;
        grad[B2] += g;
        for (let h = 0; h < H; h++) {
          if (z[h] <= 0) continue;
          grad[W2 + h] += g * z[h];
          const delta = g * theta[W2 + h];
          grad[B1 + h] += delta;
          const w = h * d;
          for (let j = 0; j < d; j++) grad[w + j] += delta * x[off + j];
        }
      }
      for (let k = 0; k < B1; k++) grad[k] += options.l2 * theta[k];
      for (let k = W2; k < B2; k++) grad[k] += options.l2 * theta[k];
      t++;
      const lr = (options.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      for (let k = 0; k < size; k++) {
        m[k] = beta1 * m[k] + (1 - beta1) * grad[k];
        v[k] = beta2 * v[k] + (1 - beta2) * grad[k] * grad[k];
        theta[k] -= (lr * m[k]) / (Math.sqrt(v[k]) + 1e-8);
      }
    }
  }
  // Fold the standardisation into the first layer: W1·(x − μ)/σ + b1 = (W1/σ)·x + (b1 − W1·μ/σ).
  const w1 = new Float32Array(H * d);
  const b1 = new Float32Array(H);
  for (let h = 0; h < H; h++) {
    let bias = theta[B1 + h];
    for (let j = 0; j < d; j++) {
      w1[h * d + j] = theta[h * d + j] / std[j];
      bias -= (theta[h * d + j] * mean[j]) / std[j];
    }
    b1[h] = bias;
  }
  return {
    kind: "mlp",
    inputSize: d,
    hidden: H,
    w1,
    b1,
    w2: theta.slice(W2, B2),
    b2: theta[B2],
  };
}

/** σ of {@link mlpLogit}. */
export function mlpProbability(model: MlpModel, row: ArrayLike<number>): number {
  return sigmoid(mlpLogit(model, row));
}
