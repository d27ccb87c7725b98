import { describe, expect, it } from "vitest";
import { CLASS_COUNT } from "../../../shared/yamnet/constants.ts";
import {
  DEFAULT_EVENT_OPTIONS,
  detectEvents,
  EventDetector,
  maxEmissionDelayMs,
  RULE_EVENT_OPTIONS,
  resolveEventOptions,
} from "./event-detector.ts";

/** One patch's scores: class 13 ("Laughter") at `p`, other laughter classes as given. */
function patch(p: number, others: Record<number, number> = {}): Float32Array {
  const scores = new Float32Array(CLASS_COUNT);
  scores[13] = p;
  for (const [classId, value] of Object.entries(others)) scores[Number(classId)] = value;
  return scores;
}

// These tests drive the detector through YAMNet's class scores (the rule detector); head.test.ts covers
// the head's probability as the source.
const OPTIONS = {
  detector: "rule" as const,
  onsetThreshold: 0.5,
  offsetThreshold: 0.2,
  minDurationMs: 0,
  mergeGapMs: 0,
};

describe("hysteresis", () => {
  it("starts at the onset threshold and runs while patches stay above the offset threshold", () => {
    const events = detectEvents(
      [0.1, 0.5, 0.3, 0.2, 0.1, 0.3].map((p) => patch(p)),
      OPTIONS,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ startMs: 480, endMs: 3 * 480 + 960, peakProbability: 0.5 });
    expect(events[0].meanProbability).toBeCloseTo((0.5 + 0.3 + 0.2) / 3, 6);
  });

  it("never starts an event on patches that only pass the offset threshold", () => {
    expect(
      detectEvents(
        [0.3, 0.4, 0.49, 0.3].map((p) => patch(p)),
        OPTIONS,
      ),
    ).toEqual([]);
  });
});

describe("merge gap", () => {
  // Runs at patch 0 and patch 3: gap = 3·480 − 960 = 480 ms.
  const scores = [0.6, 0, 0, 0.6].map((p) => patch(p));

  it("merges runs whose gap is at most mergeGapMs, counting the patches between them in the mean", () => {
    const events = detectEvents(scores, { ...OPTIONS, mergeGapMs: 480 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ startMs: 0, endMs: 3 * 480 + 960 });
    expect(events[0].meanProbability).toBeCloseTo(1.2 / 4, 6);
  });

  it("keeps runs apart when the gap is larger", () => {
    const events = detectEvents(scores, { ...OPTIONS, mergeGapMs: 479 });
    expect(events.map((e) => [e.startMs, e.endMs])).toEqual([
      [0, 960],
      [1440, 2400],
    ]);
  });
});

describe("minimum duration", () => {
  it("drops events shorter than minDurationMs and keeps those at least as long", () => {
    const scores = [0.6, 0, 0, 0, 0.6, 0.6].map((p) => patch(p));
    const events = detectEvents(scores, { ...OPTIONS, minDurationMs: 1440 });
    expect(events.map((e) => [e.startMs, e.endMs])).toEqual([[1920, 3360]]);
    expect(detectEvents(scores, { ...OPTIONS, minDurationMs: 960 })).toHaveLength(2);
  });

  it("applies after clamping to the audio duration", () => {
    const scores = [0, 0, 0.6, 0.6].map((p) => patch(p));
    expect(detectEvents(scores, { ...OPTIONS, minDurationMs: 1000 }, 1900)).toEqual([]);
    expect(detectEvents(scores, { ...OPTIONS, minDurationMs: 1000 }, 3000)[0]).toMatchObject({
      startMs: 960,
      endMs: 2400,
    });
  });
});

describe("dominant class", () => {
  it("is the class with the highest summed score, not the one with the single highest patch", () => {
    const scores = [patch(0.7, { 15: 0.1 }), patch(0.1, { 15: 0.6 }), patch(0.1, { 15: 0.6 })];
    const [event] = detectEvents(scores, { ...OPTIONS, offsetThreshold: 0.5 });
    expect(event).toMatchObject({ classId: 15, className: "Giggle" });
    expect(event.peakProbability).toBeCloseTo(0.7, 6);
  });

  it("breaks ties towards the lower class id", () => {
    const [event] = detectEvents([patch(0.6, { 18: 0.6 })], OPTIONS);
    expect(event).toMatchObject({ classId: 13, className: "Laughter" });
  });
});

describe("streaming", () => {
  it("emits an event on the first patch that starts more than mergeGapMs after its end", () => {
    // Event: patches 0–1, endMs = 1440. mergeGapMs 960: a run starting at patch 5 (2400 ms) would still
    // merge, one at patch 6 (2880 ms) would not, so the event is final once patch 5 has been pushed.
    const detector = new EventDetector({ ...OPTIONS, mergeGapMs: 960 });
    const emittedAt: number[] = [];
    for (const [i, p] of [0.6, 0.6, 0, 0, 0, 0, 0, 0].entries()) {
      if (detector.push(i, patch(p)).length > 0) emittedAt.push(i);
    }
    expect(emittedAt).toEqual([5]);
    expect(detector.end()).toEqual([]);
    // Its audio (patch 5 ends at 3360 ms) is within the documented delay of the event's end.
    expect(5 * 480 + 960 - 1440).toBeLessThanOrEqual(maxEmissionDelayMs({ mergeGapMs: 960 }));
  });

  it("emits the open event on end(), clamped to the duration", () => {
    const detector = new EventDetector(OPTIONS);
    expect(detector.push(0, patch(0))).toEqual([]);
    expect(detector.push(1, patch(0.9))).toEqual([]);
    expect(detector.end(1000)).toMatchObject([{ startMs: 480, endMs: 1000 }]);
  });

  it("splits laughter longer than maxDurationMs so that events stay bounded", () => {
    // Each piece starts where the previous one ends: the pieces tile the laugh without overlapping.
    const scores = Array.from({ length: 20 }, () => patch(0.9));
    const events = detectEvents(scores, { ...OPTIONS, maxDurationMs: 4800 });
    expect(events.map((e) => [e.startMs, e.endMs])).toEqual([
      [0, 4800],
      [4800, 9600],
      [9600, 10080],
    ]);
  });

  it("never overlaps split pieces, whatever the laugh's offset and length (issue 10 item 8)", () => {
    const options = { ...RULE_EVENT_OPTIONS, minDurationMs: 0 };
    for (let offset = 0; offset < 6; offset++) {
      for (let length = 1; length <= 200; length += 7) {
        const scores = Array.from({ length: offset + length + 5 }, (_, i) =>
          patch(i >= offset && i < offset + length ? 0.9 : 0),
        );
        const events = detectEvents(scores, options);
        let laughMs = 0;
        for (const [k, event] of events.entries()) {
          expect(event.endMs - event.startMs).toBeLessThanOrEqual(options.maxDurationMs);
          if (k > 0) expect(event.startMs).toBeGreaterThanOrEqual(events[k - 1].endMs);
          laughMs += event.endMs - event.startMs;
        }
        // The summed length is the laugh's span once, as laughSeconds adds it up.
        expect(laughMs).toBe((length - 1) * 480 + 960);
      }
    }
  });

  it("is deterministic", () => {
    const scores = Array.from({ length: 50 }, (_, i) =>
      patch((Math.sin(i) + 1) / 2, { 16: (Math.cos(i) + 1) / 3 }),
    );
    expect(detectEvents(scores, OPTIONS)).toEqual(detectEvents(scores, OPTIONS));
  });

  it("rejects patches out of order and pushes after end()", () => {
    const detector = new EventDetector(OPTIONS);
    detector.push(0, patch(0));
    expect(() => detector.push(2, patch(0))).toThrow(/expected patch 1, got 2/);
    detector.end();
    expect(() => detector.push(1, patch(0))).toThrow(/after end/);
  });
});

describe("options", () => {
  it("has frozen defaults that validate", () => {
    expect(Object.isFrozen(DEFAULT_EVENT_OPTIONS)).toBe(true);
    expect(resolveEventOptions()).toEqual(DEFAULT_EVENT_OPTIONS);
  });

  it.each([
    [{ onsetThreshold: 0.2, offsetThreshold: 0.3 }, /offsetThreshold must be in \(0, onsetThreshold=0.2\]/],
    [{ onsetThreshold: 0 }, /onsetThreshold must be in \(0, 1\]/],
    [{ onsetThreshold: 1.5 }, /onsetThreshold must be in \(0, 1\]/],
    [{ offsetThreshold: 0 }, /offsetThreshold/],
    [{ minDurationMs: -1 }, /minDurationMs must be >= 0/],
    [{ mergeGapMs: -480 }, /mergeGapMs must be >= 0/],
    [{ mergeGapMs: Number.NaN }, /mergeGapMs must be a finite number/],
    [{ maxDurationMs: 500 }, /maxDurationMs must be >= one patch/],
    [{ minDurationMs: 5000, maxDurationMs: 4000 }, /maxDurationMs .* >= minDurationMs/],
  ])("rejects %o", (options, message) => {
    expect(() => new EventDetector(options)).toThrow(message);
  });
});
