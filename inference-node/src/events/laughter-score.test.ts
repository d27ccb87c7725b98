import { describe, expect, it } from "vitest";
import { CLASS_COUNT } from "../../../shared/yamnet/constants.ts";
import { laughterScore } from "./laughter-score.ts";

function scores(values: Record<number, number>): Float32Array {
  const out = new Float32Array(CLASS_COUNT);
  for (const [classId, value] of Object.entries(values)) out[Number(classId)] = value;
  return out;
}

describe("laughterScore", () => {
  it("is the highest laughter-family score and ignores other classes", () => {
    expect(laughterScore(scores({ 0: 0.9, 13: 0.25, 16: 0.5, 19: 0.1 }))).toBe(0.5);
    expect(laughterScore(scores({ 13: 0.28, 19: 0.92, 20: 0.78 }))).toBeCloseTo(0.28, 6);
  });

  it("rejects rows of the wrong width", () => {
    expect(() => laughterScore(new Float32Array(520))).toThrow(/expected 521/);
  });
});
