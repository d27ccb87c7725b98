import { describe, expect, it } from "vitest";
import { detectEvents, RULE_EVENT_OPTIONS } from "../../../inference-node/src/events/event-detector.ts";
import { baselineSaysLaughter, loadDevSet, scoreClips } from "./dev-set.ts";
import { TUNING_GRID, tuneEvents } from "./tune-events.ts";

// The rule detector's figures in TUNING.md; change them together.
const recordings = loadDevSet();

describe("dev set (YAMNet reference scores, 66 recordings)", () => {
  it("has 66 recordings, 25 of them laughter", () => {
    expect(recordings).toHaveLength(66);
    expect(recordings.filter((r) => r.isLaughter)).toHaveLength(25);
  });

  it("the defaults reach the reported clip-level figures", () => {
    const m = scoreClips(
      recordings,
      (r) => detectEvents(r.scores, RULE_EVENT_OPTIONS, r.durationMs).length > 0,
    );
    expect({ tp: m.tp, fp: m.fp, fn: m.fn }).toEqual({ tp: 23, fp: 2, fn: 2 });
    expect(m.falsePositives).toEqual(["babycry_002", "babycry_010"]);
    expect(m.falseNegatives).toEqual(["laugh_001", "laugh_049"]);
    expect(m.f1.toFixed(3)).toBe("0.920");
  });

  it("the baseline rule computed the same way", () => {
    const m = scoreClips(recordings, (r) => baselineSaysLaughter(r.scores));
    // The brief quoted F1 0.90 (P 0.92, R 0.88) for this rule; on these reference scores it misses
    // laugh_012 too (its 0.1001 is Snicker, class 16, which the old rule skipped), so 21/2/4 and 0.875.
    // 0.90 is what the rule gives with class 16 included (22/2/3, F1 0.898), checked below.
    expect({ tp: m.tp, fp: m.fp, fn: m.fn }).toEqual({ tp: 21, fp: 2, fn: 4 });
    expect(m.f1.toFixed(3)).toBe("0.875");
    const withSnicker = scoreClips(recordings, (r) =>
      r.scores.some((patch) => [13, 14, 15, 16, 17, 18].some((classId) => patch[classId] > 0.1)),
    );
    expect(withSnicker.f1.toFixed(2)).toBe("0.90");
  });

  it("tuning picks the defaults, and leave-one-out CV gives the reported figures", () => {
    const report = tuneEvents(recordings, TUNING_GRID);
    expect(report.chosen).toEqual({
      onsetThreshold: RULE_EVENT_OPTIONS.onsetThreshold,
      offsetThreshold: RULE_EVENT_OPTIONS.offsetThreshold,
      minDurationMs: RULE_EVENT_OPTIONS.minDurationMs,
      mergeGapMs: RULE_EVENT_OPTIONS.mergeGapMs,
    });
    const cv = report.crossValidated;
    expect({ tp: cv.tp, fp: cv.fp, fn: cv.fn }).toEqual({ tp: 22, fp: 2, fn: 3 });
    expect(cv.f1.toFixed(3)).toBe("0.898");
  });
});
