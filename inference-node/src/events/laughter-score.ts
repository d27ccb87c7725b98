/**
 * @module
 * The per-patch laughter score the event detector thresholds. It is the highest score among YAMNet's
 * laughter family (classes 13–18), optionally vetoed when crying outscores it. See TUNING.md for the data
 * behind both choices.
 */

import { CLASS_COUNT, LAUGHTER_CLASSES } from "../../../shared/yamnet/constants.ts";

/** AudioSet class ids of the laughter family (13–18), in ascending order. */
export const LAUGHTER_CLASS_IDS: readonly number[] = Object.freeze(LAUGHTER_CLASSES.map((c) => c.classId));

/**
 * Classes whose score, when higher than the laughter score, vetoes the patch: 19 "Crying, sobbing" and
 * 20 "Baby cry, infant cry". YAMNet gives crying babies a laughter score of up to 0.28 while scoring the
 * crying itself at 0.9 (dev set, babycry_010); in the laughs of the dev set crying never beat laughter on
 * the patches that carried the detection.
 */
export const CRYING_CLASS_IDS: readonly number[] = Object.freeze([19, 20]);

/** How to turn one patch's 521 scores into one laughter score. */
export interface LaughterScoreOptions {
  /** Score the patch 0 when a crying class (19, 20) scores higher than every laughter class. */
  cryingVeto: boolean;
}

/**
 * The laughter score of one patch: max over classes 13–18. The max (rather than 1 − ∏(1 − p) or a sum)
 * keeps the score a probability YAMNet actually produced, so thresholds read as "some laughter class
 * reached p"; the laughter classes are strongly correlated (a giggle also scores Laughter), so combining
 * them mostly double-counts the same evidence.
 *
 * @param scores one patch's 521 class scores.
 * @example laughterScore(patchScores, { cryingVeto: true }) // 0.68
 */
export function laughterScore(scores: ArrayLike<number>, options: LaughterScoreOptions): number {
  if (scores.length !== CLASS_COUNT) {
    throw new RangeError(
      `laughterScore: expected ${CLASS_COUNT} class scores per patch, got ${scores.length}; pass one row of YAMNet's scores output`,
    );
  }
  let best = 0;
  for (const classId of LAUGHTER_CLASS_IDS) best = Math.max(best, scores[classId]);
  if (options.cryingVeto) {
    for (const classId of CRYING_CLASS_IDS) if (scores[classId] > best) return 0;
  }
  return best;
}
