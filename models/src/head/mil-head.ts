/**
 * @module
 * Trains the laughter head from weak (recording-level) labels, multiple-instance style with top-k
 * pseudo-labels: a laughter recording says "some patches here are laughter", not which.
 *
 * - Negatives: the patches of every non-laughter recording, and the background-only patches of the mixes
 *   (at most 16 evenly spaced per recording).
 * - Round 1: the positives of a laughter recording are its top half of patches (at least one) by YAMNet's
 *   own laughter score (max of classes 13–18); its other patches are left out, neither positive nor negative.
 * - Round 2: the same, re-ranked by the round-1 head's probability (the head re-picks its evidence).
 * Each recording's patches share a total weight of 1 (long recordings do not dominate), and the two classes
 * carry equal total weight.
 */
import { LAUGHTER_CLASSES } from "../../../shared/yamnet/constants.ts";
import { embeddingRow, type PatchFeatures, scoreRow } from "./embedder.ts";
import {
  type LogisticModel,
  type LogisticOptions,
  logit,
  sigmoid,
  trainLogistic,
} from "./logistic-regression.ts";
import { type MlpModel, type MlpOptions, mlpLogit, trainMlp } from "./mlp.ts";
import { type LdaOptions, trainShrinkageLda } from "./shrinkage-lda.ts";

/** One training item: a recording (or a mix) with its patch features and weak label. */
export interface TrainingItem {
  isLaughter: boolean;
  features: PatchFeatures;
  /** For mixes: patches [first, last] overlap the laugh; patches outside are background-only negatives. */
  laughPatches?: { first: number; last: number };
}

/** Fraction of a laughter recording's patches taken as positives. */
export const TOP_FRACTION = 0.5;
/** How weak labels and class weights are set. */
export interface MilOptions {
  /** Fraction of a laughter recording's patches taken as positives. */
  topFraction: number;
  /** Total weight of the negatives relative to the positives. */
  negativeShare: number;
  /**
   * Round 2 hard-negative mining: a negative recording weighs 1 + boost × its highest round-1 probability,
   * so the recordings the first head would call laughter (crying babies, mostly) count more.
   */
  hardNegativeBoost: number;
  /** Round 2 trains this MLP instead of a logistic regression (round 1 stays logistic). */
  mlp?: MlpOptions;
  /** Round 2 trains a shrinkage LDA instead (shrinkage-lda.ts; still a linear head). */
  lda?: LdaOptions;
}

export const DEFAULT_MIL_OPTIONS: Readonly<MilOptions> = Object.freeze({
  topFraction: TOP_FRACTION,
  negativeShare: 1,
  hardNegativeBoost: 0,
});

/** At most this many evenly spaced negative patches per recording (long recordings add little but time). */
export const MAX_NEGATIVES_PER_RECORDING = 16;

/** Up to `max` evenly spaced entries of `list`. */
function spread<T>(list: readonly T[], max: number): T[] {
  if (list.length <= max) return [...list];
  return Array.from({ length: max }, (_, k) => list[Math.floor(((k + 0.5) * list.length) / max)]);
}

const LAUGHTER_IDS = LAUGHTER_CLASSES.map((c) => c.classId);

/** YAMNet's laughter score of a patch: the max over classes 13–18. */
export function teacherScore(features: PatchFeatures, i: number): number {
  const row = scoreRow(features, i);
  let best = 0;
  for (const id of LAUGHTER_IDS) best = Math.max(best, row[id]);
  return best;
}

/** In `scoreClasses`: the logit of YAMNet's laughter score ({@link teacherScore}) instead of a class. */
export const TEACHER_LOGIT = -1;
/** In `scoreClasses`: the mean embedding of patches i − 1 and i + 1 (1024 more inputs). */
export const NEIGHBOUR_MEAN = -2;
/** In `scoreClasses`: the max-pooled embedding of the patch (1024 more inputs; analysis features only). */
export const MAX_POOLED = -3;

/**
 * The head's input for patch `i`: the 1024-d embedding, followed by YAMNet's scores of `scoreClasses` (none
 * for the shipped head; compare-variants.ts tries some).
 */
export function headInput(
  features: PatchFeatures,
  i: number,
  scoreClasses: readonly number[] = [],
): Float32Array {
  const embedding = embeddingRow(features, i);
  if (scoreClasses.length === 0) return embedding;
  const scores = scoreRow(features, i);
  const context = scoreClasses.includes(NEIGHBOUR_MEAN);
  const maxPooled = scoreClasses.includes(MAX_POOLED);
  const out = new Float32Array(
    embedding.length * (1 + Number(context) + Number(maxPooled)) + scoreClasses.length,
  );
  out.set(embedding);
  if (maxPooled) {
    if (features.maxEmbeddings === undefined) throw new Error("headInput: no max-pooled embeddings");
    out.set(
      features.maxEmbeddings.subarray(i * embedding.length, (i + 1) * embedding.length),
      embedding.length * (1 + Number(context)) + scoreClasses.length,
    );
  }
  if (context) {
    const before = embeddingRow(features, Math.max(0, i - 1));
    const after = embeddingRow(features, Math.min(features.patchCount - 1, i + 1));
    const base = embedding.length + scoreClasses.length;
    for (let j = 0; j < embedding.length; j++) out[base + j] = (before[j] + after[j]) / 2;
  }
  for (const [k, c] of scoreClasses.entries()) {
    if (c === NEIGHBOUR_MEAN || c === MAX_POOLED) continue;
    if (c === TEACHER_LOGIT) {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, teacherScore(features, i)));
      out[embedding.length + k] = Math.log(p / (1 - p));
    } else out[embedding.length + k] = scores[c];
  }
  return out;
}

/** A trained head: logistic regression or MLP, both on raw features. */
export type HeadModel = LogisticModel | MlpModel;

/** The head's logit for one input row. */
export function headLogit(model: HeadModel, row: ArrayLike<number>): number {
  return "w1" in model ? mlpLogit(model, row) : logit(model, row);
}

/** The head's probability for every patch of a recording. */
export function headProbabilities(
  model: HeadModel,
  features: PatchFeatures,
  scoreClasses: readonly number[] = [],
): Float32Array {
  const out = new Float32Array(features.patchCount);
  for (let i = 0; i < features.patchCount; i++)
    out[i] = sigmoid(headLogit(model, headInput(features, i, scoreClasses)));
  return out;
}

function instances(
  items: readonly TrainingItem[],
  rank: (item: TrainingItem, i: number) => number,
  scoreClasses: readonly number[],
  mil: MilOptions,
  negativeWeightOf: (item: TrainingItem) => number = () => 1,
): { rows: Float32Array[]; labels: number[]; weights: number[] } {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  let positiveWeight = 0;
  let negativeWeight = 0;
  const add = (row: Float32Array, label: number, weight: number): void => {
    rows.push(row);
    labels.push(label);
    weights.push(weight);
    if (label === 1) positiveWeight += weight;
    else negativeWeight += weight;
  };
  for (const item of items) {
    const { features } = item;
    const n = features.patchCount;
    if (!item.isLaughter) {
      const picked = spread(
        Array.from({ length: n }, (_, i) => i),
        MAX_NEGATIVES_PER_RECORDING,
      );
      const weight = negativeWeightOf(item) / picked.length;
      for (const i of picked) add(headInput(features, i, scoreClasses), 0, weight);
      continue;
    }
    const first = item.laughPatches?.first ?? 0;
    const last = item.laughPatches?.last ?? n - 1;
    const outside: number[] = [];
    for (let i = 0; i < n; i++) if (i < first || i > last) outside.push(i);
    const background = spread(outside, MAX_NEGATIVES_PER_RECORDING);
    for (const i of background) add(headInput(features, i, scoreClasses), 0, 1 / background.length);
    const candidates: number[] = [];
    for (let i = first; i <= last; i++) candidates.push(i);
    const ranked = candidates.map((i) => ({ i, s: rank(item, i) })).sort((a, b) => b.s - a.s || a.i - b.i);
    const k = Math.max(1, Math.ceil(mil.topFraction * ranked.length));
    for (const { i } of ranked.slice(0, k)) add(headInput(features, i, scoreClasses), 1, 1 / k);
  }
  // Total weight per class: positives 1, negatives `negativeShare`.
  for (let r = 0; r < weights.length; r++) {
    weights[r] *= labels[r] === 1 ? 1 / positiveWeight : mil.negativeShare / negativeWeight;
  }
  return { rows, labels, weights };
}

/**
 * Two rounds of top-k MIL training (see the module comment).
 *
 * @example const head = trainMilHead(items, { l2: 1e-2, iterations: 200, learningRate: 0.05 });
 */
export function trainMilHead(
  items: readonly TrainingItem[],
  options: LogisticOptions,
  scoreClasses: readonly number[] = [],
  mil: MilOptions = DEFAULT_MIL_OPTIONS,
): HeadModel {
  const round1 = instances(items, (item, i) => teacherScore(item.features, i), scoreClasses, mil);
  const first = trainLogistic(round1.rows, round1.labels, round1.weights, options);
  const hardness = (item: TrainingItem): number => {
    if (mil.hardNegativeBoost === 0) return 1;
    let top = 0;
    for (const p of headProbabilities(first, item.features, scoreClasses)) top = Math.max(top, p);
    return 1 + mil.hardNegativeBoost * top;
  };
  const round2 = instances(
    items,
    (item, i) => logit(first, headInput(item.features, i, scoreClasses)),
    scoreClasses,
    mil,
    hardness,
  );
  if (mil.mlp) return trainMlp(round2.rows, round2.labels, round2.weights, mil.mlp);
  if (mil.lda) return trainShrinkageLda(round2.rows, round2.labels, round2.weights, mil.lda);
  return trainLogistic(round2.rows, round2.labels, round2.weights, options);
}
