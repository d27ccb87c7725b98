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

/** Detector tuning. All durations are in ms of audio. */
export interface EventDetectorOptions {
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
  /** See `LaughterScoreOptions.cryingVeto`. */
  cryingVeto: boolean;
}

/**
 * Defaults chosen on the 66 dev recordings (25 laughter) by `tune-events.ts`, see TUNING.md. Clip level
 * ("laughter" = at least one event): in-sample TP 23, FP 2, FN 2, P 0.920 R 0.920 F1 0.920; leave-one-out
 * CV (grid re-chosen on the other 65 files for each held-out file) TP 22, FP 2, FN 3, P 0.917 R 0.880
 * F1 0.898. Old rule (any of 13,14,15,17,18 > 0.1) on the same scores: TP 21, FP 2, FN 4, F1 0.875.
 * The onset is low because YAMNet rarely puts much mass on laughter when speech is present (laughs score
 * 0.035 to 0.1 while speech scores 0.9); the nearest negative is a sneeze at 0.0295, so expect the odd
 * cough or sneeze on new data. mergeGapMs and offsetThreshold do not change clip-level figures on the dev
 * set; they were picked for whole events (one event per laugh, not fragments).
 */
export const DEFAULT_EVENT_OPTIONS: Readonly<EventDetectorOptions> = Object.freeze({
  onsetThreshold: 0.03,
  offsetThreshold: 0.015,
  minDurationMs: 960,
  mergeGapMs: 960,
  maxDurationMs: 30_000,
  // Off: it removes one dev false positive (babycry_010) but leave-one-out cannot confirm it (TUNING.md).
  cryingVeto: false,
});

/**
 * Fills in defaults and checks the options, throwing a `RangeError` that says which value to fix.
 *
 * @example resolveEventOptions({ onsetThreshold: 0.2 }) // { ...DEFAULT_EVENT_OPTIONS, onsetThreshold: 0.2 }
 */
export function resolveEventOptions(options: Partial<EventDetectorOptions> = {}): EventDetectorOptions {
  const o: EventDetectorOptions = { ...DEFAULT_EVENT_OPTIONS, ...options };
  const fail = (message: string): never => {
    throw new RangeError(`EventDetectorOptions: ${message}`);
  };
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
  if (typeof o.cryingVeto !== "boolean") fail(`cryingVeto must be a boolean, got ${o.cryingVeto}`);
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
   */
  push(patchIndex: number, scores: ArrayLike<number>): LaughterEvent[] {
    if (this.#ended)
      throw new Error("EventDetector.push: called after end(); create a new detector per recording");
    if (patchIndex !== this.#nextPatch) {
      throw new RangeError(
        `EventDetector.push: patches must be pushed in order without gaps; expected patch ${this.#nextPatch}, got ${patchIndex}`,
      );
    }
    this.#nextPatch++;
    const { onsetThreshold, offsetThreshold, mergeGapMs, maxDurationMs } = this.options;
    const score = laughterScore(scores, this.options);
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
): LaughterEvent[] {
  const detector = new EventDetector(options);
  const events: LaughterEvent[] = [];
  scores.forEach((row, i) => {
    events.push(...detector.push(i, row));
  });
  events.push(...detector.end(durationMs));
  return events;
}
