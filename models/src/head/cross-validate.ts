/**
 * @module
 * Judging the head on grouped folds the way a user feels it, and choosing its event rule by that:
 * clip level on the labelled clips (a recording counts as laughter when the detector emits at least one
 * event), and false laughs per hour on the long everyday recordings (daylife speech and ambient, whole
 * files). Event parameters are only ever chosen on out-of-fold head probabilities.
 */

import {
  detectEvents,
  type EventDetectorOptions,
} from "../../../inference-node/src/events/event-detector.ts";
import { type ClipMetrics, withFigures } from "./dev-set.ts";
import { gridCandidates } from "./tune-events.ts";

/** One evaluated recording: its label and what the detector saw. */
export interface EvaluatedRecording {
  id: string;
  label: string;
  isLaughter: boolean;
  set: "train" | "dev" | "daylife";
  /** A long everyday recording, judged by false laughs per hour (training-pool.ts). */
  stream?: "speech" | "ambient";
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
  onsetThreshold: [0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995],
  offsetRatio: [0.5, 1],
  minDurationMs: [960, 1440, 1920],
  mergeGapMs: [0, 960],
});

/** The bar the rule must keep on the everyday recordings (issue 18): false laughs per hour, each kind. */
export const MAX_FALSE_LAUGHS_PER_HOUR = 1;

export type HeadEventParameters = Pick<
  EventDetectorOptions,
  "onsetThreshold" | "offsetThreshold" | "minDurationMs" | "mergeGapMs"
>;

/** Every grid point, in a fixed order (the same expansion as the rule's tuning grid). */
export function headCandidates(): HeadEventParameters[] {
  return gridCandidates(HEAD_GRID);
}

/** The head detector's events on one recording. */
export function headEvents(r: EvaluatedRecording, p: HeadEventParameters) {
  return detectEvents(r.scores, { detector: "head", ...p }, r.durationMs, r.head);
}

/** Does the head detector with `p` emit an event on `r`? */
export function headSaysLaughter(r: EvaluatedRecording, p: HeadEventParameters): boolean {
  return headEvents(r, p).length > 0;
}

/** What a rule does on a set of recordings: clip figures on train + dev, false laughs per hour on streams. */
export interface RuleFigures {
  clips: Metrics;
  speech: { hours: number; falseLaughs: number; perHour: number };
  ambient: { hours: number; falseLaughs: number; perHour: number };
}

/** Is `r` one of the labelled clips the clip-level bar is on (train + dev)? */
export const isPoolClip = (r: EvaluatedRecording): boolean => r.stream === undefined && r.set !== "daylife";

/** Figures of rule `p` on `recordings`. */
export function ruleFigures(recordings: readonly EvaluatedRecording[], p: HeadEventParameters): RuleFigures {
  const clips = recordings.filter(isPoolClip);
  const streamFigures = (kind: "speech" | "ambient") => {
    let hours = 0;
    let falseLaughs = 0;
    for (const r of recordings) {
      if (r.stream !== kind) continue;
      hours += r.durationMs / 3_600_000;
      falseLaughs += headEvents(r, p).length;
    }
    return { hours, falseLaughs, perHour: hours === 0 ? 0 : falseLaughs / hours };
  };
  return {
    clips: metricsOf(
      clips.map((r) => r.isLaughter),
      clips.map((r) => headSaysLaughter(r, p)),
    ),
    speech: streamFigures("speech"),
    ambient: streamFigures("ambient"),
  };
}

/** How far a rule is over the everyday bar (false laughs per hour above it, speech and ambient summed). */
export function excessFalseLaughs(f: RuleFigures): number {
  return (
    Math.max(0, f.speech.perHour - MAX_FALSE_LAUGHS_PER_HOUR) +
    Math.max(0, f.ambient.perHour - MAX_FALSE_LAUGHS_PER_HOUR)
  );
}

/** Everyday false-laugh limits (per hour, each of speech and ambient) of the trade-off table. */
export const TRADE_OFF_LIMITS: readonly number[] = Object.freeze([0.5, 1, 2, 5, Number.POSITIVE_INFINITY]);

/**
 * The best clip F1 reachable at each of {@link TRADE_OFF_LIMITS} on `recordings` (out-of-fold), and its rule:
 * what a stricter or looser everyday bar would cost. Reported, never chosen on.
 */
export function tradeOff(
  recordings: readonly EvaluatedRecording[],
): { limitPerHour: number; chosen?: HeadEventParameters; figures?: RuleFigures }[] {
  const all = headCandidates().map((chosen) => ({ chosen, figures: ruleFigures(recordings, chosen) }));
  return TRADE_OFF_LIMITS.map((limitPerHour) => {
    const within = all.filter(
      (x) => x.figures.speech.perHour <= limitPerHour && x.figures.ambient.perHour <= limitPerHour,
    );
    if (within.length === 0) return { limitPerHour };
    return { limitPerHour, ...within.reduce((a, x) => (x.figures.clips.f1 > a.figures.clips.f1 ? x : a)) };
  });
}

/**
 * Picks the grid point a user would: among rules with at most {@link MAX_FALSE_LAUGHS_PER_HOUR} false laughs
 * per hour of speech and of ambient, the highest clip F1 on train + dev; if none keeps that bar, the one
 * closest to it. Ties: fewer false laughs on the streams, fewer clip false positives, the higher onset,
 * the lower offset ratio, the longer merge gap, the shorter minimum duration.
 */
export function pickHeadParameters(
  recordings: readonly EvaluatedRecording[],
  candidates: readonly HeadEventParameters[] = headCandidates(),
): {
  chosen: HeadEventParameters;
  figures: RuleFigures;
} {
  let best: { chosen: HeadEventParameters; figures: RuleFigures } | undefined;
  for (const c of candidates) {
    const f = ruleFigures(recordings, c);
    if (best === undefined) {
      best = { chosen: c, figures: f };
      continue;
    }
    const b = best.chosen;
    const g = best.figures;
    const order =
      excessFalseLaughs(g) - excessFalseLaughs(f) ||
      f.clips.f1 - g.clips.f1 ||
      g.speech.falseLaughs + g.ambient.falseLaughs - f.speech.falseLaughs - f.ambient.falseLaughs ||
      g.clips.fp - f.clips.fp ||
      c.onsetThreshold - b.onsetThreshold ||
      b.offsetThreshold / b.onsetThreshold - c.offsetThreshold / c.onsetThreshold ||
      c.mergeGapMs - b.mergeGapMs ||
      b.minDurationMs - c.minDurationMs;
    if (order > 0) best = { chosen: c, figures: f };
  }
  if (best === undefined) throw new Error("pickHeadParameters: empty grid");
  return best;
}
