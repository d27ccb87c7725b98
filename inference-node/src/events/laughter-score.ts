/**
 * @module
 * The rule detector's per-patch laughter score: the highest score among YAMNet's laughter family
 * (classes 13–18). See models/src/head/TUNING.md for the data behind it.
 */

import { CLASS_COUNT, LAUGHTER_CLASSES } from "../../../shared/yamnet/constants.ts";

/** AudioSet class ids of the laughter family (13–18), in ascending order. */
export const LAUGHTER_CLASS_IDS: readonly number[] = Object.freeze(LAUGHTER_CLASSES.map((c) => c.classId));

/**
 * The laughter score of one patch: max over classes 13–18. The max (rather than 1 − ∏(1 − p) or a sum)
 * keeps the score a probability YAMNet actually produced, so thresholds read as "some laughter class
 * reached p"; the laughter classes are strongly correlated (a giggle also scores Laughter), so combining
 * them mostly double-counts the same evidence.
 *
 * @param scores one patch's 521 class scores.
 * @example laughterScore(patchScores) // 0.68
 */
export function laughterScore(scores: ArrayLike<number>): number {
  if (scores.length !== CLASS_COUNT) {
    throw new RangeError(
      `laughterScore: expected ${CLASS_COUNT} class scores per patch, got ${scores.length}; pass one row of YAMNet's scores output`,
    );
  }
  let best = 0;
  for (const classId of LAUGHTER_CLASS_IDS) best = Math.max(best, scores[classId]);
  return best;
}
