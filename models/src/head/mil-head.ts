/**
 * @module
 * Trains the laughter head from weak (recording-level) labels, multiple-instance style: a laughter
 * recording says "some patches here are laughter", not which, and a day of talk says "none of this is".
 *
 * - Positives: in a laughter recording (or the laugh's span of a mix), the top `topFraction` of its patches,
 *   but only patches that look like laughter to YAMNet itself (issue 18: the talk around a laugh was
 *   being taught as laughter): YAMNet's laughter score (max of classes 13–18) at least `teacherGate` × the
 *   recording's highest, and, with `speechGate`, at least YAMNet's speech score (class 0). At least the
 *   recording's best patch stays. The other patches are left out, neither positive nor negative.
 * - Negatives: the patches of every non-laughter clip and the background of the mixes (at most 16 evenly
 *   spaced per recording, each recording weighing 1), and the patches of the long everyday recordings
 *   (`stream`: daylife's speech and ambient; up to {@link STREAM_PATCHES} evenly spaced per file, every
 *   patch weighing the same), which together weigh `streamShare` × the clips' negatives.
 * - Round 1 ranks a laughter recording's candidates by YAMNet's laughter score; round 2 re-ranks them by
 *   the round-1 head and mines hard negatives: each stream's `hardNegatives` patches the round-1 head
 *   scores highest join the negatives.
 * The two classes carry equal total weight.
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

/** One training item: a recording (or a mix) with its patch features and weak label. */
export interface TrainingItem {
  isLaughter: boolean;
  features: PatchFeatures;
  /** For mixes: patches [first, last] overlap the laugh; patches outside are background-only negatives. */
  laughPatches?: { first: number; last: number };
  /** A long everyday recording (speech, ambient): many negatives, hard-negative mining in round 2. */
  stream?: boolean;
}

/** How weak labels and class weights are set (module comment). */
export interface MilOptions {
  /** Fraction of a laughter recording's patches taken as positives (at most). */
  topFraction: number;
  /** A positive's YAMNet laughter score is at least this fraction of the recording's highest. */
  teacherGate: number;
  /** A positive's YAMNet laughter score is at least its speech score. */
  speechGate: boolean;
  /** Total weight of the streams' negatives relative to the clips' negatives. */
  streamShare: number;
  /** Round 2: this many of each stream's highest-scoring patches (by the round-1 head) join as negatives. */
  hardNegatives: number;
}

export const DEFAULT_MIL_OPTIONS: Readonly<MilOptions> = Object.freeze({
  topFraction: 0.5,
  teacherGate: 0.5,
  speechGate: true,
  streamShare: 1,
  hardNegatives: 32,
});

/** At most this many evenly spaced negative patches per clip (long clips add little but time). */
export const MAX_NEGATIVES_PER_RECORDING = 16;
/** At most this many evenly spaced patches per stream in round 1 (about one every 2–5 s of a daylife file). */
export const STREAM_PATCHES = 64;

/** Up to `max` evenly spaced entries of `list`. */
function spread<T>(list: readonly T[], max: number): T[] {
  if (list.length <= max) return [...list];
  return Array.from({ length: max }, (_, k) => list[Math.floor(((k + 0.5) * list.length) / max)]);
}

const LAUGHTER_IDS = LAUGHTER_CLASSES.map((c) => c.classId);
/** AudioSet class 0, "Speech". */
export const SPEECH_CLASS_ID = 0;

/** YAMNet's laughter score of a patch: the max over classes 13–18. */
export function teacherScore(features: PatchFeatures, i: number): number {
  const row = scoreRow(features, i);
  let best = 0;
  for (const id of LAUGHTER_IDS) best = Math.max(best, row[id]);
  return best;
}

/** The head's logit for patch `i` (its input is the 1024-d embedding, nothing else). */
export function headLogit(model: LogisticModel, features: PatchFeatures, i: number): number {
  return logit(model, embeddingRow(features, i));
}

/** The head's probability for every patch of a recording. */
export function headProbabilities(model: LogisticModel, features: PatchFeatures): Float32Array {
  const out = new Float32Array(features.patchCount);
  for (let i = 0; i < features.patchCount; i++) out[i] = sigmoid(headLogit(model, features, i));
  return out;
}

/**
 * The patches of a laughter item that may be positives (module comment), in index order; never empty
 * for a non-empty span.
 */
export function positiveCandidates(item: TrainingItem, mil: MilOptions): number[] {
  const { features } = item;
  const first = item.laughPatches?.first ?? 0;
  const last = Math.min(item.laughPatches?.last ?? features.patchCount - 1, features.patchCount - 1);
  let best = first;
  let top = -1;
  for (let i = first; i <= last; i++) {
    const s = teacherScore(features, i);
    if (s > top) {
      top = s;
      best = i;
    }
  }
  const out: number[] = [];
  for (let i = first; i <= last; i++) {
    const s = teacherScore(features, i);
    if (s < mil.teacherGate * top) continue;
    if (mil.speechGate && s < scoreRow(features, i)[SPEECH_CLASS_ID]) continue;
    out.push(i);
  }
  return out.length > 0 ? out : last >= first ? [best] : [];
}

/** Weighted training rows (embeddings) with 0/1 labels. */
export interface Instances {
  rows: Float32Array[];
  labels: number[];
  weights: number[];
}

function instances(
  items: readonly TrainingItem[],
  rank: (item: TrainingItem, i: number) => number,
  mil: MilOptions,
  hardPatches: (item: TrainingItem) => readonly number[] = () => [],
): Instances {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  // Per row: 1 positive, 2 clip negative, 3 stream negative; the weights are normalised per kind below.
  const kinds: number[] = [];
  const add = (features: PatchFeatures, i: number, kind: number, weight: number): void => {
    rows.push(embeddingRow(features, i));
    labels.push(kind === 1 ? 1 : 0);
    weights.push(weight);
    kinds.push(kind);
  };
  for (const item of items) {
    const { features } = item;
    const n = features.patchCount;
    if (n === 0) continue;
    const all = Array.from({ length: n }, (_, i) => i);
    if (item.stream) {
      const picked = new Set(spread(all, STREAM_PATCHES));
      for (const i of hardPatches(item)) picked.add(i);
      for (const i of [...picked].sort((a, b) => a - b)) add(features, i, 3, 1);
      continue;
    }
    if (!item.isLaughter) {
      const picked = spread(all, MAX_NEGATIVES_PER_RECORDING);
      for (const i of picked) add(features, i, 2, 1 / picked.length);
      continue;
    }
    const first = item.laughPatches?.first ?? 0;
    const last = item.laughPatches?.last ?? n - 1;
    const background = spread(
      all.filter((i) => i < first || i > last),
      MAX_NEGATIVES_PER_RECORDING,
    );
    for (const i of background) add(features, i, 2, 1 / background.length);
    const span = Math.max(0, Math.min(last, n - 1) - first + 1);
    const k = Math.max(1, Math.ceil(mil.topFraction * span));
    const ranked = positiveCandidates(item, mil)
      .map((i) => ({ i, s: rank(item, i) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, k);
    for (const { i } of ranked) add(features, i, 1, 1 / ranked.length);
  }
  const totals = [0, 0, 0, 0];
  for (let r = 0; r < weights.length; r++) totals[kinds[r]] += weights[r];
  // Positives 1 in total; negatives 1 in total, split clips : streams = 1 : streamShare.
  const streamPart = totals[3] > 0 ? mil.streamShare / (1 + mil.streamShare) : 0;
  const share = [0, 1, 1 - streamPart, streamPart];
  for (let r = 0; r < weights.length; r++) {
    const total = totals[kinds[r]];
    weights[r] = total === 0 ? 0 : (weights[r] * share[kinds[r]]) / total;
  }
  return { rows, labels, weights };
}

/** Indices of the `count` highest values of `values` (ties: lower index first). */
export function topIndices(values: ArrayLike<number>, count: number): number[] {
  return Array.from(values, (v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, count)
    .map((e) => e.i);
}

/**
 * Two rounds of MIL training (see the module comment).
 *
 * @example const head = trainMilHead(items, { l2: 1e-2, iterations: 200, learningRate: 0.05 });
 */
export function trainMilHead(
  items: readonly TrainingItem[],
  options: LogisticOptions,
  mil: MilOptions = DEFAULT_MIL_OPTIONS,
): LogisticModel {
  const round2 = roundTwoInstances(items, options, mil);
  return trainLogistic(round2.rows, round2.labels, round2.weights, options);
}

/**
 * Round 1 (a logistic head on the teacher-ranked weak labels) and the instances of round 2 it yields:
 * positives re-ranked by it, hard negatives mined with it. Exported so that another round-2 learner can
 * be compared on the same instances (models/experiments/).
 */
export function roundTwoInstances(
  items: readonly TrainingItem[],
  options: LogisticOptions,
  mil: MilOptions,
): Instances {
  const round1 = instances(items, (item, i) => teacherScore(item.features, i), mil);
  const first = trainLogistic(round1.rows, round1.labels, round1.weights, options);
  return instances(
    items,
    (item, i) => headLogit(first, item.features, i),
    mil,
    (item) =>
      mil.hardNegatives > 0 ? topIndices(headProbabilities(first, item.features), mil.hardNegatives) : [],
  );
}
