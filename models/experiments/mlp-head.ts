/**
 * @module
 * Experiment (issue 18 round 2, never shipped): a one-hidden-layer head, p = σ(w₂·relu(W₁x + b₁) + b₂),
 * trained full-batch with Adam from a seeded init on standardised rows (the standardisation folded into
 * W₁ afterwards), weighted cross-entropy + L2. Deterministic; foldable into ONNX as MatMul+Add+Relu+
 * MatMul+Add+Sigmoid.
 */

import { seededRandom } from "../../tooling/seeded-random.ts";
import { sigmoid } from "../src/head/logistic-regression.ts";
import { standardise } from "../src/head/standardise.ts";

/** A trained MLP on raw features. */
export interface MlpModel {
  hidden: number;
  inputSize: number;
  /** Row-major [hidden, inputSize]. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: number;
}

export interface MlpOptions {
  hidden: number;
  l2: number;
  iterations: number;
  learningRate: number;
  seed: number;
}

/** The MLP's logit for one raw row. */
export function mlpLogit(model: MlpModel, row: ArrayLike<number>): number {
  const { hidden, inputSize, w1, b1, w2 } = model;
  let z = model.b2;
  for (let k = 0; k < hidden; k++) {
    let a = b1[k];
    const off = k * inputSize;
    for (let j = 0; j < inputSize; j++) a += w1[off + j] * row[j];
    if (a > 0) z += w2[k] * a;
  }
  return z;
}

/** Fits the MLP (see the module comment). */
export function trainMlp(
  rows: readonly ArrayLike<number>[],
  labels: readonly number[],
  sampleWeights: readonly number[],
  options: MlpOptions,
): MlpModel {
  const n = rows.length;
  const d = rows[0].length;
  const h = options.hidden;
  const { x, mean, std, totalWeight } = standardise(rows, sampleWeights);
  const sw = Float64Array.from(sampleWeights, (w) => w / totalWeight);
  const random = seededRandom(options.seed);
  const size = h * d + h + h + 1;
  // Parameters in one vector: W1 (h·d), b1 (h), w2 (h), b2 (1).
  const theta = new Float64Array(size);
  const limit1 = Math.sqrt(6 / d);
  for (let i = 0; i < h * d; i++) theta[i] = (2 * random() - 1) * limit1;
  const limit2 = Math.sqrt(6 / h);
  for (let k = 0; k < h; k++) theta[h * d + h + k] = (2 * random() - 1) * limit2;
  const grad = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const act = new Float64Array(h);
  const beta1 = 0.9;
  const beta2 = 0.999;
  const b1At = h * d;
  const w2At = h * d + h;
  const b2At = size - 1;
  for (let t = 1; t <= options.iterations; t++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let z = theta[b2At];
      for (let k = 0; k < h; k++) {
        let a = theta[b1At + k];
        const wOff = k * d;
        for (let j = 0; j < d; j++) a += theta[wOff + j] * x[off + j];
        act[k] = Math.max(a, 0);
        z += theta[w2At + k] * act[k];
      }
      const r = sw[i] * (sigmoid(z) - labels[i]);
      if (r === 0) continue;
      grad[b2At] += r;
      for (let k = 0; k < h; k++) {
        grad[w2At + k] += r * act[k];
        if (act[k] <= 0) continue;
        const g = r * theta[w2At + k];
        grad[b1At + k] += g;
        const wOff = k * d;
        for (let j = 0; j < d; j++) grad[wOff + j] += g * x[off + j];
      }
    }
    for (let i = 0; i < h * d; i++) grad[i] += options.l2 * theta[i];
    for (let k = 0; k < h; k++) grad[w2At + k] += options.l2 * theta[w2At + k];
    const lr = (options.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (let i = 0; i < size; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
      v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
      theta[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + 1e-8);
    }
  }
  // Fold the standardisation into W1, b1: W1·(x − μ)/σ + b1.
  const w1 = new Float32Array(h * d);
  const b1 = new Float32Array(h);
  for (let k = 0; k < h; k++) {
    let bias = theta[b1At + k];
    for (let j = 0; j < d; j++) {
      const w = theta[k * d + j] / std[j];
      w1[k * d + j] = w;
      bias -= w * mean[j];
    }
    b1[k] = bias;
  }
  return {
    hidden: h,
    inputSize: d,
    w1,
    b1,
    w2: Float32Array.from(theta.subarray(w2At, w2At + h)),
    b2: theta[b2At],
  };
}
