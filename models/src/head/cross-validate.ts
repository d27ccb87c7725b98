/**
 * @module
 * Clip-level evaluation on grouped folds: a recording counts as laughter when the detector emits at least
 * one event. Picks the event parameters (hysteresis, minimum duration, merge gap) on out-of-fold head
 * probabilities, never on probabilities from a head that saw the recording.
 */
import { type ClipMetrics, withFigures } from "../../../inference-node/src/events/dev-set.ts";
import {
  detectEvents,
  type EventDetectorOptions,
} from "../../../inference-node/src/events/event-detector.ts";

/** One evaluated recording: its label and what the detector saw. */
export interface EvaluatedRecording {
  id: string;
  label: string;
  isLaughter: boolean;
  set: "train" | "dev";
  suspect: boolean;
  fold: number;
  scores: Float32Array[];
  durationMs: number;
  /** Out-of-fold head probabilities, one per patch. */
  head: Float32Array;
}

/** Confusion counts and figures. */
export type Metrics = Pick<ClipMetrics, "tp" | "fp" | "fn" | "tn" | "precision" | "recall" | "f1">;

/** Metrics of boolean predictions against labels. */
export function metricsOf(labels: readonly boolean[], predicted: readonly boolean[]): Metrics {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  labels.forEach((label, i) => {
    if (predicted[i] && label) counts.tp++;
    else if (predicted[i]) counts.fp++;
    else if (label) counts.fn++;
    else counts.tn++;
  });
  const { precision, recall, f1 } = withFigures({
    ...counts,
    precision: 0,
    recall: 0,
    f1: 0,
    falsePositives: [],
    falseNegatives: [],
  });
  return { ...counts, precision, recall, f1 };
}

/** Event parameters searched for the head; offset = onset × ratio. */
export const HEAD_GRID = Object.freeze({
  onsetThreshold: [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97],
  offsetRatio: [0.5, 1],
  minDurationMs: [960, 1440, 1920],
  mergeGapMs: [0, 960],
});

export type HeadEventParameters = Pick<
  EventDetectorOptions,
  "onsetThreshold" | "offsetThreshold" | "minDurationMs" | "mergeGapMs"
>;

/** Every grid point, in a fixed order. */
export function headCandidates(): HeadEventParameters[] {
  const out: HeadEventParameters[] = [];
  for (const onsetThreshold of HEAD_GRID.onsetThreshold)
    for (const ratio of HEAD_GRID.offsetRatio)
      for (const minDurationMs of HEAD_GRID.minDurationMs)
        for (const mergeGapMs of HEAD_GRID.mergeGapMs)
          out.push({ onsetThreshold, offsetThreshold: onsetThreshold * ratio, minDurationMs, mergeGapMs });
  return out;
}

/** Does the head detector with `p` emit an event on `r`? */
export function headSaysLaughter(r: EvaluatedRecording, p: HeadEventParameters): boolean {
  return detectEvents(r.scores, { detector: "head", ...p }, r.durationMs, r.head).length > 0;
}

/**
 * Picks the grid point with the highest F1 on `recordings`; ties: fewer false positives, then the higher
 * onset, the lower offset ratio, the longer merge gap, the shorter minimum duration.
 */
export function pickHeadParameters(recordings: readonly EvaluatedRecording[]): {
  chosen: HeadEventParameters;
  metrics: Metrics;
} {
  const labels = recordings.map((r) => r.isLaughter);
  let best: { chosen: HeadEventParameters; metrics: Metrics } | undefined;
  for (const c of headCandidates()) {
    const m = metricsOf(
      labels,
      recordings.map((r) => headSaysLaughter(r, c)),
    );
    if (best === undefined) {
      best = { chosen: c, metrics: m };
      continue;
    }
    const b = best.chosen;
    const order =
      m.f1 - best.metrics.f1 ||
      best.metrics.fp - m.fp ||
      c.onsetThreshold - b.onsetThreshold ||
      b.offsetThreshold / b.onsetThreshold - c.offsetThreshold / c.onsetThreshold ||
      c.mergeGapMs - b.mergeGapMs ||
      b.minDurationMs - c.minDurationMs;
    if (order > 0) best = { chosen: c, metrics: m };
  }
  if (best === undefined) throw new Error("pickHeadParameters: empty grid");
  return best;
}
