import { describe, expect, it } from "vitest";
import { CLASS_COUNT, EMBEDDING_SIZE } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import type { PatchFeatures } from "./embedder.ts";
import {
  DEFAULT_MIL_OPTIONS,
  headProbabilities,
  type MilOptions,
  positiveCandidates,
  SPEECH_CLASS_ID,
  type TrainingItem,
  topIndices,
  trainMilHead,
} from "./mil-head.ts";

/**
 * Patches whose embedding is `centre` (plus noise) on dimension 0 and zero elsewhere; YAMNet's laughter
 * score `laughter[i]` and speech score `speech[i]`.
 */
function features(
  centres: readonly number[],
  laughter: readonly number[],
  speech: readonly number[],
  random: () => number,
): PatchFeatures {
  const patchCount = centres.length;
  const embeddings = new Float32Array(patchCount * EMBEDDING_SIZE);
  const scores = new Float32Array(patchCount * CLASS_COUNT);
  centres.forEach((centre, i) => {
    embeddings[i * EMBEDDING_SIZE] = centre + 0.3 * (random() - 0.5);
    scores[i * CLASS_COUNT + 13] = laughter[i];
    scores[i * CLASS_COUNT + SPEECH_CLASS_ID] = speech[i];
  });
  return { embeddings, scores, patchCount, durationMs: 480 * (patchCount + 1) };
}

const OPTIONS = { l2: 0.01, iterations: 100, learningRate: 0.05 };
const UNGATED: MilOptions = {
  ...DEFAULT_MIL_OPTIONS,
  teacherGate: 0,
  speechGate: false,
  streamShare: 0,
  hardNegatives: 0,
};
const maxOf = (p: Float32Array) => Math.max(...p);

/**
 * Laughter recordings whose laugh (embedding +1) is surrounded by talk (embedding +0.4, YAMNet says speech),
 * clean negatives at −1, and a day of talk at +0.4: the talk around the laugh is what issue 18 was about.
 */
function talkyPool(): { items: TrainingItem[]; talk: PatchFeatures } {
  const random = seededRandom(11);
  const items: TrainingItem[] = [];
  for (let k = 0; k < 20; k++) {
    items.push({
      isLaughter: true,
      features: features(
        [1, 1.1, 0.4, 0.45, 0.35, 0.4],
        [0.9, 0.8, 0.3, 0.2, 0.25, 0.2],
        [0.1, 0.2, 0.9, 0.9, 0.8, 0.9],
        random,
      ),
    });
    items.push({
      isLaughter: false,
      features: features([-1, -1.1, -0.9], [0.01, 0.01, 0.01], [0, 0, 0], random),
    });
  }
  const talk = features(
    Array.from({ length: 200 }, () => 0.4),
    Array.from({ length: 200 }, () => 0.05),
    Array.from({ length: 200 }, () => 0.9),
    random,
  );
  return { items, talk };
}

describe("the MIL head's weak labels", () => {
  it("takes as positives only patches that YAMNet hears as laughter more than as speech", () => {
    const item: TrainingItem = {
      isLaughter: true,
      features: features([0, 0, 0, 0], [0.9, 0.2, 0.6, 0.5], [0.1, 0.9, 0.3, 0.8], seededRandom(1)),
    };
    expect(positiveCandidates(item, { ...DEFAULT_MIL_OPTIONS, teacherGate: 0.5, speechGate: true })).toEqual([
      0, 2,
    ]);
    expect(positiveCandidates(item, { ...DEFAULT_MIL_OPTIONS, teacherGate: 0.5, speechGate: false })).toEqual(
      [0, 2, 3],
    );
    expect(positiveCandidates(item, UNGATED)).toEqual([0, 1, 2, 3]);
    // Never empty: the best patch stays even when speech wins everywhere.
    const talky: TrainingItem = {
      isLaughter: true,
      features: features([0, 0], [0.1, 0.3], [0.9, 0.9], seededRandom(2)),
    };
    expect(positiveCandidates(talky, DEFAULT_MIL_OPTIONS)).toEqual([1]);
  });

  it("stops calling talk laughter once positives are gated and daylife's talk is a negative", () => {
    const { items, talk } = talkyPool();
    const before = trainMilHead(items, OPTIONS, UNGATED);
    const after = trainMilHead(
      [...items, { isLaughter: false, features: talk, stream: true }],
      OPTIONS,
      DEFAULT_MIL_OPTIONS,
    );
    expect(maxOf(headProbabilities(before, talk))).toBeGreaterThan(0.5);
    expect(maxOf(headProbabilities(after, talk))).toBeLessThan(0.5);
    // The laughs still score high.
    expect(headProbabilities(after, items[0].features)[0]).toBeGreaterThan(0.5);
  });

  it("mines a stream's hardest patches", () => {
    expect(topIndices([0.1, 0.9, 0.5, 0.9], 2)).toEqual([1, 3]);
  });
});
