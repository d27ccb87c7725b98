import { describe, expect, it } from "vitest";
import { loadHeadArtifact } from "../../../models/src/head/head-artifact.ts";
import { CLASS_COUNT } from "../../../shared/yamnet/constants.ts";
import {
  DEFAULT_EVENT_OPTIONS,
  detectEvents,
  EventDetector,
  RULE_EVENT_OPTIONS,
  resolveEventOptions,
  withOnsetThreshold,
} from "./event-detector.ts";

/** A patch whose laughter classes (13–18) all score `laughter`. */
function patch(laughter: number): Float32Array {
  const scores = new Float32Array(CLASS_COUNT);
  for (let c = 13; c <= 18; c++) scores[c] = laughter;
  return scores;
}

describe("the head detector", () => {
  it("thresholds the head's probability, not YAMNet's laughter classes", () => {
    const loudClasses = Array.from({ length: 6 }, () => patch(0.9));
    const quietClasses = Array.from({ length: 6 }, () => patch(0));
    const headHigh = Float32Array.from([0, 0.99, 0.99, 0.99, 0, 0]);
    const headLow = new Float32Array(6).fill(0.01);
    expect(detectEvents(loudClasses, {}, undefined, headLow)).toEqual([]);
    const [event] = detectEvents(quietClasses, {}, undefined, headHigh);
    expect(event).toMatchObject({ startMs: 480, endMs: 3 * 480 + 960 });
    expect(event.peakProbability).toBeCloseTo(0.99, 6);
    // The rule detector on the same rows sees the classes instead.
    expect(detectEvents(loudClasses, { detector: "rule" })).toHaveLength(1);
    expect(detectEvents(quietClasses, { detector: "rule" })).toEqual([]);
  });

  it("refuses a patch without a probability, naming the fix", () => {
    const detector = new EventDetector();
    expect(() => detector.push(0, patch(0.5))).toThrow(/needs the patch's laughter probability.*build:model/);
    expect(() => new EventDetector().push(0, patch(0.5), Number.NaN)).toThrow(/in \[0, 1\]/);
  });

  it("uses the event parameters the training run chose (models/head/laughter-head.json)", () => {
    const { events } = loadHeadArtifact();
    expect({
      onsetThreshold: DEFAULT_EVENT_OPTIONS.onsetThreshold,
      offsetThreshold: DEFAULT_EVENT_OPTIONS.offsetThreshold,
      minDurationMs: DEFAULT_EVENT_OPTIONS.minDurationMs,
      mergeGapMs: DEFAULT_EVENT_OPTIONS.mergeGapMs,
    }).toEqual(events);
    expect(DEFAULT_EVENT_OPTIONS.detector).toBe("head");
  });
});

describe("detector options", () => {
  // Issue 18: no switches that nothing can set (a `cryingVeto` flag lived here, off, with no way to turn it on).
  it("has only options the training run, the CLI or the detector's own bounds set", () => {
    expect(Object.keys(DEFAULT_EVENT_OPTIONS).sort()).toEqual([
      "detector",
      "maxDurationMs",
      "mergeGapMs",
      "minDurationMs",
      "offsetThreshold",
      "onsetThreshold",
    ]);
    expect(Object.keys(RULE_EVENT_OPTIONS).sort()).toEqual(Object.keys(DEFAULT_EVENT_OPTIONS).sort());
  });

  it("fills in each detector's own defaults", () => {
    expect(resolveEventOptions()).toEqual(DEFAULT_EVENT_OPTIONS);
    expect(resolveEventOptions({ detector: "rule" })).toEqual(RULE_EVENT_OPTIONS);
    expect(RULE_EVENT_OPTIONS).toMatchObject({ onsetThreshold: 0.03, offsetThreshold: 0.015 });
  });

  it("rejects an unknown detector", () => {
    expect(() => resolveEventOptions(JSON.parse('{"detector":"magic"}'))).toThrow(
      /detector must be one of head, rule/,
    );
  });

  it("--threshold moves the onset and keeps the detector's offset ratio", () => {
    expect(withOnsetThreshold("rule", 0.2)).toEqual({
      detector: "rule",
      onsetThreshold: 0.2,
      offsetThreshold: 0.1,
    });
    const headRatio = DEFAULT_EVENT_OPTIONS.offsetThreshold / DEFAULT_EVENT_OPTIONS.onsetThreshold;
    const head = withOnsetThreshold("head", 0.6);
    expect(head.offsetThreshold).toBeCloseTo(0.6 * headRatio, 12);
    expect(withOnsetThreshold("head")).toEqual({ detector: "head" });
    expect(() => resolveEventOptions(head)).not.toThrow();
  });
});
