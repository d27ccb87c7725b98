import { describe, expect, it } from "vitest";
import { CLASS_COUNT, EMBEDDING_SIZE } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import type { PatchFeatures } from "./embedder.ts";
import {
  DEFAULT_MIL_OPTIONS,
  headInput,
  headProbabilities,
  NEIGHBOUR_MEAN,
  TEACHER_LOGIT,
  type TrainingItem,
  trainMilHead,
} from "./mil-head.ts";

/** Patches whose embedding is `centre` (plus noise) on dimension 0 and zero elsewhere. */
function features(centres: readonly number[], laughterScore: number, random: () => number): PatchFeatures {
  const patchCount = centres.length;
  const embeddings = new Float32Array(patchCount * EMBEDDING_SIZE);
  const scores = new Float32Array(patchCount * CLASS_COUNT);
  centres.forEach((centre, i) => {
    embeddings[i * EMBEDDING_SIZE] = centre + 0.3 * (random() - 0.5);
    scores[i * CLASS_COUNT + 13] = laughterScore;
    scores[i * CLASS_COUNT + 20] = 1 - laughterScore;
  });
  return { embeddings, scores, patchCount, durationMs: 480 * (patchCount + 1) };
}

function pool(): { items: TrainingItem[]; hard: PatchFeatures } {
  const random = seededRandom(11);
  const items: TrainingItem[] = [];
  for (let k = 0; k < 20; k++) {
    items.push({ isLaughter: true, features: features([1, 1.2, 0.9, -0.8], 0.9, random) });
    items.push({ isLaughter: false, features: features([-1, -1.1, -0.9], 0.05, random) });
  }
  const hard = features([0.7, 0.8, 0.6], 0.05, random);
  items.push({ isLaughter: false, features: hard });
  return { items, hard };
}

const OPTIONS = { l2: 0.01, iterations: 100, learningRate: 0.05 };
const maxOf = (p: Float32Array) => Math.max(...p);

describe("the MIL head's inputs and weights", () => {
  it("appends the chosen YAMNet scores to the embedding, and nothing by default", () => {
    const f = features([0.5, -0.5], 0.25, seededRandom(3));
    expect(headInput(f, 1)).toEqual(f.embeddings.subarray(EMBEDDING_SIZE, 2 * EMBEDDING_SIZE));
    const withScores = headInput(f, 1, [13, 20]);
    expect(withScores).toHaveLength(EMBEDDING_SIZE + 2);
    expect(withScores[EMBEDDING_SIZE]).toBeCloseTo(0.25, 6);
    expect(withScores[EMBEDDING_SIZE + 1]).toBeCloseTo(0.75, 6);
  });

  it("can append the logit of YAMNet's laughter score and the neighbours' mean embedding", () => {
    const f = features([0.5, -0.5, 1.5], 0.25, seededRandom(3));
    const row = headInput(f, 1, [TEACHER_LOGIT, NEIGHBOUR_MEAN]);
    expect(row).toHaveLength(2 * EMBEDDING_SIZE + 2);
    expect(row[EMBEDDING_SIZE]).toBeCloseTo(Math.log(0.25 / 0.75), 5);
    // Slot of the sentinel itself stays 0; the neighbours' mean follows the scores.
    expect(row[EMBEDDING_SIZE + 1]).toBe(0);
    const mean = (f.embeddings[0] + f.embeddings[2 * EMBEDDING_SIZE]) / 2;
    expect(row[EMBEDDING_SIZE + 2]).toBeCloseTo(mean, 6);
    // At the edges the missing neighbour is the patch itself.
    const first = headInput(f, 0, [NEIGHBOUR_MEAN]);
    expect(first[EMBEDDING_SIZE + 1]).toBeCloseTo((f.embeddings[0] + f.embeddings[EMBEDDING_SIZE]) / 2, 6);
  });

  it("weighs the negatives more with a larger negative share and hard-negative mining", () => {
    const { items, hard } = pool();
    const plain = trainMilHead(items, OPTIONS);
    const heavier = trainMilHead(items, OPTIONS, [], { ...DEFAULT_MIL_OPTIONS, negativeShare: 3 });
    const mined = trainMilHead(items, OPTIONS, [], { ...DEFAULT_MIL_OPTIONS, hardNegativeBoost: 10 });
    const p = (model: typeof plain) => maxOf(headProbabilities(model, hard));
    expect(p(heavier)).toBeLessThan(p(plain));
    expect(p(mined)).toBeLessThan(p(plain));
    // The laughs still score high.
    expect(maxOf(headProbabilities(mined, items[0].features))).toBeGreaterThan(0.5);
  });
});
