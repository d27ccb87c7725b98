/**
 * @module
 * Streaming laughter event detector: YAMNet patch scores in, one `LaughterEvent` per laugh out, each as
 * soon as it can no longer change. Memory is O(1): only the event being built is kept.
 */

import {
  LAUGHTER_CLASSES,
  PATCH_HOP_MS,
  PATCH_WINDOW_MS,
  PATCH_WINDOW_SAMPLES,
  SAMPLE_RATE_HZ,
} from "../../../shared/yamnet/constants.ts";
import type { LaughterEvent } from "../engine/types.ts";
import { LAUGHTER_CLASS_IDS, laughterScore } from "./laughter-score.ts";

/**
 * Where a patch's laughter score comes from: `head` is the trained laughter head's probability (the ONNX
 * graph's `laughter` output, models/head/); `rule` is the older max over YAMNet's classes 13–18.
 */
export type DetectorKind = "head" | "rule";
export const DETECTOR_KINDS: readonly DetectorKind[] = Object.freeze(["head", "rule"]);

/** Detector tuning. All durations are in ms of audio. */
export interface EventDetectorOptions {
  /** Which per-patch laughter score the thresholds apply to. */
  detector: DetectorKind;
  /** A patch whose laughter score is at least this starts an event. In (0, 1]. */
  onsetThreshold: number;
  /** An event continues while patches score at least this (hysteresis). In (0, onsetThreshold]. */
  offsetThreshold: number;
  /** Events shorter than this (after merging and clamping) are dropped. At least 0. */
  minDurationMs: number;
  /** Two events whose gap (next start − previous end) is at most this become one. At least 0. */
  mergeGapMs: number;
  /**
   * Longer laughter is split into events of at most this length, so that every event (and its clip) is
   * final within a bounded delay of its audio: the clip cutter's memory depends on it. At least 960.
   */
  maxDurationMs: number;
}

/**
 * Defaults of the `head` detector, chosen by grouped 5-fold cross-validation on the training pool, the dev
 * set and daylife's speech and ambient (`npm run train`: at most 1 false laugh per hour of speech and of
 * ambient, then the best clip F1; models/head/METRICS.md has every figure and the command). The head's
 * probability is calibrated, so the onset reads as "half of the events peaking here were laughs". A unit
 * test checks they equal the `events` block of models/head/laughter-head.json, which the training run writes.
 */
export const DEFAULT_EVENT_OPTIONS: Readonly<EventDetectorOptions> = Object.freeze({
  detector: "head",
  onsetThreshold: 0.5,
  offsetThreshold: 0.5,
  minDurationMs: 1440,
  mergeGapMs: 960,
  maxDurationMs: 30_000,
});

/**
 * Defaults of the `rule` detector (`--detector rule`, kept for comparison): chosen on the 66 dev recordings
 * by `models/src/head/tune-events.ts` (models/src/head/TUNING.md). The onset is low because YAMNet rarely puts
 * much mass on laughter when speech is present; on recordings it was not tuned on it lets sneezes, coughs
 * and cries in (models/head/METRICS.md).
 */
export const RULE_EVENT_OPTIONS: Readonly<EventDetectorOptions> = Object.freeze({
  detector: "rule",
  onsetThreshold: 0.03,
  offsetThreshold: 0.015,
  minDurationMs: 960,
  mergeGapMs: 960,
  maxDurationMs: 30_000,
});

/** The defaults of one detector kind. */
export function defaultEventOptions(detector: DetectorKind = "head"): Readonly<EventDetectorOptions> {
  return detector === "rule" ? RULE_EVENT_OPTIONS : DEFAULT_EVENT_OPTIONS;
}

/**
 * Options for a detector with its onset moved to `onsetThreshold` (the CLI's `--threshold`): the offset
 * keeps the detector's default offset/onset ratio (0.5 for both today), so the threshold means the same
 * thing on either score.
 *
 * @example withOnsetThreshold("rule", 0.2) // { detector: "rule", onsetThreshold: 0.2, offsetThreshold: 0.1 }
 */
export function withOnsetThreshold(
  detector: DetectorKind,
  onsetThreshold?: number,
): Partial<EventDetectorOptions> {
  if (onsetThreshold === undefined) return { detector };
  const defaults = defaultEventOptions(detector);
  const ratio = defaults.offsetThreshold / defaults.onsetThreshold;
  return { detector, onsetThreshold, offsetThreshold: onsetThreshold * ratio };
}

/**
 * Fills in defaults and checks the options, throwing a `RangeError` that says which value to fix.
 *
 * @example resolveEventOptions({ onsetThreshold: 0.2 }) // { ...DEFAULT_EVENT_OPTIONS, onsetThreshold: 0.2 }
 */
export function resolveEventOptions(options: Partial<EventDetectorOptions> = {}): EventDetectorOptions {
  const fail = (message: string): never => {
    throw new RangeError(`EventDetectorOptions: ${message}`);
  };
  const detector = options.detector ?? "head";
  if (!DETECTOR_KINDS.includes(detector))
    fail(`detector must be one of ${DETECTOR_KINDS.join(", ")}, got ${String(detector)}`);
  const o: EventDetectorOptions = { ...defaultEventOptions(detector), ...options };
  const finite = (name: keyof EventDetectorOptions): void => {
    if (typeof o[name] !== "number" || !Number.isFinite(o[name]))
      fail(`${name} must be a finite number, got ${o[name]}`);
  };
  for (const name of [
    "onsetThreshold",
    "offsetThreshold",
    "minDurationMs",
    "mergeGapMs",
    "maxDurationMs",
  ] as const) {
    finite(name);
  }
  if (o.onsetThreshold <= 0 || o.onsetThreshold > 1) {
    fail(`onsetThreshold must be in (0, 1], got ${o.onsetThreshold}`);
  }
  if (o.offsetThreshold <= 0 || o.offsetThreshold > o.onsetThreshold) {
    fail(
      `offsetThreshold must be in (0, onsetThreshold=${o.onsetThreshold}], got ${o.offsetThreshold}; lower it or raise onsetThreshold`,
    );
  }
  if (o.minDurationMs < 0) fail(`minDurationMs must be >= 0, got ${o.minDurationMs}`);
  if (o.mergeGapMs < 0) fail(`mergeGapMs must be >= 0, got ${o.mergeGapMs}`);
  if (o.maxDurationMs < PATCH_WINDOW_MS || o.maxDurationMs < o.minDurationMs) {
    fail(
      `maxDurationMs must be >= one patch (${PATCH_WINDOW_MS}) and >= minDurationMs (${o.minDurationMs}), got ${o.maxDurationMs}`,
    );
  }
  return o;
}

/**
 * Longest time between the end of an event's audio (`endMs`) and the moment the detector emits it, not
 * counting how late the caller pushes patches: the merge gap must pass, and the patch that proves it
 * covers one more window. The clip cutter sizes its ring buffer from this.
 */
export function maxEmissionDelayMs(options: Partial<EventDetectorOptions> = {}): number {
  // Emitted on the first patch i with (i + 1)·480 > endMs + gap, so i·480 <= endMs + gap and that patch's
  // audio ends by endMs + gap + one patch of samples (975 ms: 96 frames plus the last STFT window).
  return resolveEventOptions(options).mergeGapMs + (PATCH_WINDOW_SAMPLES * 1000) / SAMPLE_RATE_HZ;
}

/** Running statistics over a run of consecutive patches. */
interface Accumulator {
  patchCount: number;
  scoreSum: number;
  peak: number;
  /** Summed raw scores per laughter class, index-aligned with LAUGHTER_CLASS_IDS. */
  classSums: Float64Array;
}

function emptyAccumulator(): Accumulator {
  return { patchCount: 0, scoreSum: 0, peak: 0, classSums: new Float64Array(LAUGHTER_CLASS_IDS.length) };
}

function addPatch(acc: Accumulator, score: number, scores: ArrayLike<number>): void {
  acc.patchCount++;
  acc.scoreSum += score;
  acc.peak = Math.max(acc.peak, score);
  LAUGHTER_CLASS_IDS.forEach((classId, k) => {
    acc.classSums[k] += scores[classId];
  });
}

function addInto(target: Accumulator, source: Accumulator): void {
  target.patchCount += source.patchCount;
  target.scoreSum += source.scoreSum;
  target.peak = Math.max(target.peak, source.peak);
  for (let k = 0; k < target.classSums.length; k++) target.classSums[k] += source.classSums[k];
}

/** The event being built: patches firstPatch..lastPatch passed the thresholds; `tail` follows them. */
interface OpenEvent {
  firstPatch: number;
  /**
   * Where the event starts: its first patch's start, or, for the continuation of a laugh split at
   * maxDurationMs, the end of the previous piece (consecutive patches overlap by 480 ms; the pieces must not).
   */
  startMs: number;
  /** Last patch at or above the offset threshold. */
  lastPatch: number;
  /** True while the current run of above-offset patches is unbroken. */
  active: boolean;
  stats: Accumulator;
  /** Patches after lastPatch (below offset); they join the event only if a later run merges into it. */
  tail: Accumulator;
}

const startMsOf = (patch: number): number => patch * PATCH_HOP_MS;
const endMsOf = (patch: number): number => patch * PATCH_HOP_MS + PATCH_WINDOW_MS;

/**
 * Streaming detector. Push every patch in order (0, 1, 2, …), then call `end()`. Each call returns the
 * events that became final during it, in time order. Deterministic: same input, same events.
 *
 * Hysteresis: an event starts on a patch scoring >= onset and runs while patches score >= offset. Runs
 * whose gap is at most `mergeGapMs` merge (the patches between them count towards the mean). An event is
 * emitted once no later patch could merge into it, i.e. when a patch starting more than `mergeGapMs` after
 * its end has been pushed, or on `end()`.
 *
 * @example
 * const detector = new EventDetector();
 * for (const [i, row] of scores.entries()) for (const e of detector.push(i, row)) log(e);
 * for (const e of detector.end(durationMs)) log(e);
 */
export class EventDetector {
  readonly options: Readonly<EventDetectorOptions>;
  #nextPatch = 0;
  #open: OpenEvent | null = null;
  #ended = false;

  constructor(options: Partial<EventDetectorOptions> = {}) {
    this.options = Object.freeze(resolveEventOptions(options));
  }

  /**
   * Feeds patch `patchIndex` (covering [i·480, i·480 + 960) ms) and returns the events finalised by it.
   *
   * @param scores the patch's 521 YAMNet class scores.
   * @param headProbability the laughter head's probability for the patch (required by the `head` detector).
   */
  push(patchIndex: number, scores: ArrayLike<number>, headProbability?: number): LaughterEvent[] {
    if (this.#ended)
      throw new Error("EventDetector.push: called after end(); create a new detector per recording");
    if (patchIndex !== this.#nextPatch) {
      throw new RangeError(
        `EventDetector.push: patches must be pushed in order without gaps; expected patch ${this.#nextPatch}, got ${patchIndex}`,
      );
    }
    this.#nextPatch++;
    const { onsetThreshold, offsetThreshold, mergeGapMs, maxDurationMs } = this.options;
    const score = this.#score(scores, headProbability);
    const emitted: LaughterEvent[] = [];
    const open = this.#open;

    if (open === null) {
      if (score >= onsetThreshold) this.#open = this.#start(patchIndex, score, scores);
      return emitted;
    }

    const fitsMaxDuration = endMsOf(patchIndex) - open.startMs <= maxDurationMs;
    if (open.active) {
      if (score >= offsetThreshold && fitsMaxDuration) {
        addPatch(open.stats, score, scores);
        open.lastPatch = patchIndex;
      } else if (score >= offsetThreshold) {
        // Laughter longer than maxDurationMs: cut here and continue as a new event, so that nothing waits
        // on an unbounded laugh. The next piece starts where this one ends: no audio is counted twice.
        const pieceEndMs = endMsOf(open.lastPatch);
        this.#finish(emitted);
        this.#open = this.#start(patchIndex, score, scores, pieceEndMs);
      } else {
        open.active = false;
        addPatch(open.tail, score, scores);
      }
    } else if (
      score >= onsetThreshold &&
      startMsOf(patchIndex) - endMsOf(open.lastPatch) <= mergeGapMs &&
      fitsMaxDuration
    ) {
      addInto(open.stats, open.tail);
      addPatch(open.stats, score, scores);
      open.tail = emptyAccumulator();
      open.lastPatch = patchIndex;
      open.active = true;
    } else if (score >= onsetThreshold) {
      this.#finish(emitted);
      this.#open = this.#start(patchIndex, score, scores);
    } else {
      addPatch(open.tail, score, scores);
    }

    // The next patch starts at (i + 1) · 480; if that is already beyond the merge gap, nothing can join.
    const pending = this.#open;
    if (
      pending !== null &&
      !pending.active &&
      startMsOf(patchIndex + 1) - endMsOf(pending.lastPatch) > mergeGapMs
    ) {
      this.#finish(emitted);
    }
    return emitted;
  }

  /**
   * Closes the recording and returns the remaining events.
   *
   * @param durationMs the audio's real duration; event ends are clamped to it (YAMNet pads the last patch).
   */
  end(durationMs?: number): LaughterEvent[] {
    if (this.#ended) return [];
    if (durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs >= 0)) {
      throw new RangeError(`EventDetector.end: durationMs must be a finite number >= 0, got ${durationMs}`);
    }
    this.#ended = true;
    const emitted: LaughterEvent[] = [];
    this.#finish(emitted, durationMs);
    return emitted;
  }

  #score(scores: ArrayLike<number>, headProbability: number | undefined): number {
    if (this.options.detector === "rule") return laughterScore(scores);
    if (headProbability === undefined || !(headProbability >= 0 && headProbability <= 1)) {
      throw new RangeError(
        `EventDetector.push: the head detector needs the patch's laughter probability in [0, 1], got ${headProbability}; rebuild the model (\`npm run build:model\`) or use the rule detector`,
      );
    }
    return headProbability;
  }

  #start(
    patchIndex: number,
    score: number,
    scores: ArrayLike<number>,
    startMs = startMsOf(patchIndex),
  ): OpenEvent {
    const stats = emptyAccumulator();
    addPatch(stats, score, scores);
    return {
      firstPatch: patchIndex,
      startMs,
      lastPatch: patchIndex,
      active: true,
      stats,
      tail: emptyAccumulator(),
    };
  }

  /** Turns the open event (if any) into a LaughterEvent, applying the duration clamp and minimum. */
  #finish(emitted: LaughterEvent[], durationMs?: number): void {
    const open = this.#open;
    this.#open = null;
    if (open === null) return;
    const { startMs } = open;
    const endMs =
      durationMs === undefined ? endMsOf(open.lastPatch) : Math.min(endMsOf(open.lastPatch), durationMs);
    if (endMs - startMs < this.options.minDurationMs || endMs <= startMs) return;
    // Dominant class: highest summed score; ties go to the lower class id (first in the list).
    let best = 0;
    for (let k = 1; k < open.stats.classSums.length; k++) {
      if (open.stats.classSums[k] > open.stats.classSums[best]) best = k;
    }
    emitted.push({
      startMs,
      endMs,
      peakProbability: open.stats.peak,
      meanProbability: open.stats.scoreSum / open.stats.patchCount,
      classId: LAUGHTER_CLASSES[best].classId,
      className: LAUGHTER_CLASSES[best].className,
    });
  }
}

/**
 * Runs a detector over a whole score matrix (tests, tuning, the CLI's `--scores` replay).
 *
 * @example detectEvents(json.scores, DEFAULT_EVENT_OPTIONS, 30_000)
 */
export function detectEvents(
  scores: readonly ArrayLike<number>[],
  options: Partial<EventDetectorOptions> = {},
  durationMs?: number,
  headProbabilities?: ArrayLike<number>,
): LaughterEvent[] {
  const detector = new EventDetector(options);
  const events: LaughterEvent[] = [];
  scores.forEach((row, i) => {
    events.push(...detector.push(i, row, headProbabilities?.[i]));
  });
  events.push(...detector.end(durationMs));
  return events;
}
