/**
 * @module
 * Picks the event detector's defaults on the dev set: a small grid, chosen by clip-level F1 with a
 * tiebreak towards fewer false positives, checked by leave-one-out cross-validation over files (the grid
 * is re-chosen on the other 65 files for every held-out file, so the CV figure includes the selection).
 *
 * Run: `node bin/run-ts.mjs models/src/head/tune-events.ts` (or `npx tsx …`); prints TUNING.md's tables.
 */

import { pathToFileURL } from "node:url";
import {
  detectEvents,
  type EventDetectorOptions,
  RULE_EVENT_OPTIONS,
} from "../../../inference-node/src/events/event-detector.ts";
import {
  baselineSaysLaughter,
  type ClipMetrics,
  type DevRecording,
  loadDevSet,
  scoreClips,
} from "./dev-set.ts";

/** The axes of a tuning grid. */
export interface TuningGrid {
  onsetThreshold: readonly number[];
  /** offsetThreshold = onsetThreshold × ratio. */
  offsetRatio: readonly number[];
  minDurationMs: readonly number[];
  mergeGapMs: readonly number[];
}

/** The grid the defaults come from. Kept small (72 points) so that 66 files can support the choice. */
export const TUNING_GRID: Readonly<TuningGrid> = Object.freeze({
  onsetThreshold: [0.02, 0.03, 0.05, 0.1, 0.15, 0.2],
  offsetRatio: [0.5, 1],
  minDurationMs: [960, 1440, 1920],
  mergeGapMs: [0, 960],
});

/** One grid point. */
export type TuningCandidate = Omit<EventDetectorOptions, "maxDurationMs" | "detector">;

/** Every grid point, in a fixed order. */
export function gridCandidates(grid: Readonly<TuningGrid> = TUNING_GRID): TuningCandidate[] {
  const out: TuningCandidate[] = [];
  for (const onsetThreshold of grid.onsetThreshold)
    for (const ratio of grid.offsetRatio)
      for (const minDurationMs of grid.minDurationMs)
        for (const mergeGapMs of grid.mergeGapMs)
          out.push({ onsetThreshold, offsetThreshold: onsetThreshold * ratio, minDurationMs, mergeGapMs });
  return out;
}

/**
 * Selection order: higher F1; then fewer false positives (a false laugh in a nightly log costs the user
 * more than a missed one); then the more conservative / simpler setting: higher onset,
 * and, for ties that only change event shapes, the lower offset ratio and the longer merge gap (one event
 * per laugh rather than fragments), and the shorter minimum duration (short laughs are real: 3 dev laughs
 * last 2 patches).
 * Returns a negative number when `a` is better.
 */
export function compareCandidates(
  a: { metrics: ClipMetrics; candidate: TuningCandidate },
  b: { metrics: ClipMetrics; candidate: TuningCandidate },
): number {
  const ca = a.candidate;
  const cb = b.candidate;
  return (
    b.metrics.f1 - a.metrics.f1 ||
    a.metrics.fp - b.metrics.fp ||
    cb.onsetThreshold - ca.onsetThreshold ||
    ca.offsetThreshold / ca.onsetThreshold - cb.offsetThreshold / cb.onsetThreshold ||
    cb.mergeGapMs - ca.mergeGapMs ||
    ca.minDurationMs - cb.minDurationMs
  );
}

/** Everything the tuning run reports. */
export interface TuningReport {
  grid: Readonly<TuningGrid>;
  candidates: TuningCandidate[];
  /** In-sample metrics per candidate, index-aligned with `candidates`. */
  metrics: ClipMetrics[];
  chosen: TuningCandidate;
  inSample: ClipMetrics;
  /** Leave-one-out: each file predicted by the candidate chosen on the other files. */
  crossValidated: ClipMetrics;
  /** How many LOO folds chose each candidate (key: candidate label). */
  foldChoices: Map<string, number>;
  baseline: ClipMetrics;
}

/** Short label of a candidate for tables. */
export function candidateLabel(c: TuningCandidate): string {
  return `onset ${c.onsetThreshold} / offset ${c.offsetThreshold} / min ${c.minDurationMs} / gap ${c.mergeGapMs}`;
}

function pick(candidates: TuningCandidate[], metrics: ClipMetrics[]): number {
  let best = 0;
  for (let k = 1; k < candidates.length; k++) {
    const better =
      compareCandidates(
        { metrics: metrics[k], candidate: candidates[k] },
        { metrics: metrics[best], candidate: candidates[best] },
      ) < 0;
    if (better) best = k;
  }
  return best;
}

/**
 * Runs the grid and the leave-one-out CV.
 *
 * @example const report = tuneEvents(loadDevSet()); report.chosen
 */
export function tuneEvents(
  recordings: readonly DevRecording[],
  grid: Readonly<TuningGrid> = TUNING_GRID,
): TuningReport {
  const candidates = gridCandidates(grid);
  // predictions[k][f]: does candidate k emit an event on file f?
  const predictions = candidates.map((c) =>
    recordings.map((r) => detectEvents(r.scores, { ...RULE_EVENT_OPTIONS, ...c }, r.durationMs).length > 0),
  );
  const metricsOn = (k: number, skip: number): ClipMetrics =>
    scoreClips(
      recordings.filter((_, f) => f !== skip),
      (r) => predictions[k][recordings.indexOf(r)],
    );
  const metrics = candidates.map((_, k) => metricsOn(k, -1));
  const chosenIndex = pick(candidates, metrics);

  // Leave-one-out: each file is predicted by the candidate chosen on the other files.
  const foldChoices = new Map<string, number>();
  const foldChoice = recordings.map((_, f) => {
    const k = pick(
      candidates,
      candidates.map((_, j) => metricsOn(j, f)),
    );
    const label = candidateLabel(candidates[k]);
    foldChoices.set(label, (foldChoices.get(label) ?? 0) + 1);
    return k;
  });
  const cv = scoreClips(recordings, (r) => {
    const f = recordings.indexOf(r);
    return predictions[foldChoice[f]][f];
  });

  return {
    grid,
    candidates,
    metrics,
    chosen: candidates[chosenIndex],
    inSample: metrics[chosenIndex],
    crossValidated: cv,
    foldChoices,
    baseline: scoreClips(recordings, (r) => baselineSaysLaughter(r.scores)),
  };
}

const fmt = (x: number): string => x.toFixed(3);
const row = (name: string, m: ClipMetrics): string =>
  `| ${name} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} | ${fmt(m.precision)} | ${fmt(m.recall)} | ${fmt(m.f1)} | ${m.falsePositives.join(", ") || "–"} | ${m.falseNegatives.join(", ") || "–"} |`;

/** TUNING.md's tables as Markdown. */
export function formatReport(report: TuningReport): string {
  const lines = [
    `Chosen: ${candidateLabel(report.chosen)}`,
    "",
    "| | TP | FP | FN | TN | P | R | F1 | false positives | false negatives |",
    "|---|---|---|---|---|---|---|---|---|---|",
    row("baseline (13,14,15,17,18 > 0.1)", report.baseline),
    row("chosen, in-sample", report.inSample),
    row("leave-one-out CV", report.crossValidated),
    "",
    "LOO fold choices:",
    ...[...report.foldChoices].map(([label, n]) => `- ${n}× ${label}`),
    "",
    "Best in-sample F1 per onset threshold (over the other grid axes):",
    "",
    "| onset | TP | FP | FN | F1 |",
    "|---|---|---|---|---|",
  ];
  for (const onset of report.grid.onsetThreshold) {
    const ks = report.candidates.flatMap((c, k) => (c.onsetThreshold === onset ? [k] : []));
    const k =
      ks[
        pick(
          ks.map((i) => report.candidates[i]),
          ks.map((i) => report.metrics[i]),
        )
      ];
    const m = report.metrics[k];
    lines.push(`| ${onset} | ${m.tp} | ${m.fp} | ${m.fn} | ${fmt(m.f1)} |`);
  }
  return lines.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const recordings = loadDevSet();
  console.log("## Grid (defaults)\n");
  console.log(formatReport(tuneEvents(recordings)));
}
