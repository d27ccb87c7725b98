import { describe, expect, it } from "vitest";
import { CLASS_COUNT } from "../../../shared/yamnet/constants.ts";
import { type EvaluatedRecording, type HeadEventParameters, pickHeadParameters } from "./cross-validate.ts";

/** A train clip with the given per-patch head probabilities and silent YAMNet scores. */
function clip(id: string, isLaughter: boolean, head: number[]): EvaluatedRecording {
  return {
    id,
    label: isLaughter ? "laughter" : "speech",
    isLaughter,
    set: "train",
    suspect: false,
    fold: 0,
    scores: head.map(() => new Float32Array(CLASS_COUNT)),
    durationMs: 480 * head.length + 480,
    head: Float32Array.from(head),
  };
}

describe("pickHeadParameters", () => {
  const recordings = [clip("laugh", true, [0.1, 0.6, 0.6, 0.6, 0.1]), clip("talk", false, [0.1, 0.1, 0.1])];

  it("chooses among the candidates it is given (the experiments' wider grids)", () => {
    const candidates: HeadEventParameters[] = [
      { onsetThreshold: 0.99, offsetThreshold: 0.99, minDurationMs: 960, mergeGapMs: 0 },
      { onsetThreshold: 0.55, offsetThreshold: 0.55, minDurationMs: 1920, mergeGapMs: 0 },
    ];
    const { chosen, figures } = pickHeadParameters(recordings, candidates);
    expect(chosen).toEqual(candidates[1]);
    expect(figures.clips).toMatchObject({ tp: 1, fp: 0, fn: 0 });
  });

  it("defaults to the head's grid", () => {
    expect(pickHeadParameters(recordings).chosen.onsetThreshold).toBe(0.5);
  });
});
