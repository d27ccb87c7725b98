/**
 * @module
 * Weighted standardisation of training rows, shared by the head's trainers: each feature's weighted mean
 * and standard deviation (+1e-3, so a constant feature does not divide by zero), and the rows as one
 * row-major matrix of z-scores. The trainers fold mean and deviation back into weights on raw features.
 */

/** The standardised rows and what undoes it. */
export interface Standardised {
  /** Row-major [rows, features] z-scores. */
  x: Float32Array;
  mean: Float64Array;
  std: Float64Array;
  totalWeight: number;
}

/**
 * Standardises `rows` (equal lengths) with the weights `sampleWeights`.
 *
 * @example const { x, mean, std } = standardise(rows, weights);
 */
export function standardise(
  rows: readonly ArrayLike<number>[],
  sampleWeights: readonly number[],
): Standardised {
  const n = rows.length;
  const d = rows[0].length;
  let totalWeight = 0;
  for (const w of sampleWeights) totalWeight += w;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const w = sampleWeights[i] / totalWeight;
    for (let j = 0; j < d; j++) mean[j] += w * row[j];
  }
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const w = sampleWeights[i] / totalWeight;
    for (let j = 0; j < d; j++) std[j] += w * (row[j] - mean[j]) ** 2;
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) + 1e-3;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    for (let j = 0; j < d; j++) x[i * d + j] = (row[j] - mean[j]) / std[j];
  }
  return { x, mean, std, totalWeight };
}
