/**
 * @module
 * The rule families of combine-detectors.ts (issue 18, round 3; never feeds the shipped model): ways to
 * turn the head's per-patch probability and YAMNet's own scores into laughter events. Each rule maps a
 * recording's signals to events; combine-detectors.ts chooses among them by the shipped criterion.
 */
import type { LaughterEvent } from "../../inference-node/src/engine/types.ts";
import { detectEvents, RULE_EVENT_OPTIONS } from "../../inference-node/src/events/event-detector.ts";
import { laughterScore } from "../../inference-node/src/events/laughter-score.ts";
import { PATCH_HOP_MS, PATCH_WINDOW_MS } from "../../shared/yamnet/constants.ts";
import {
  type EvaluatedRecording,
  type HeadEventParameters,
  headCandidates,
} from "../src/head/cross-validate.ts";
import { DEFAULT_LOGISTIC_OPTIONS, logit, sigmoid, trainLogistic } from "../src/head/logistic-regression.ts";
import { SPEECH_CLASS_ID } from "../src/head/mil-head.ts";
import { FOLD_COUNT } from "../src/head/training-items.ts";

/** What a rule sees of one recording (a clip, a daylife stream or a talk day). */
export interface Signal {
  scores: Float32Array[];
  durationMs: number;
  /** Out-of-fold head logit and probability per patch. */
  logit: Float64Array;
  head: Float64Array;
  /** YAMNet's laughter score (max of classes 13–18) and speech score (class 0) per patch. */
  yamnet: Float64Array;
  speech: Float64Array;
  /** YAMNet's highest score among the confuser classes ({@link CONFUSER_CLASS_IDS}) per patch. */
  confuser: Float64Array;
}

export type Evaluated = EvaluatedRecording & { signal: Signal };

/** A candidate rule: how it turns a recording into events, and its tie-break key (larger first). */
export interface Rule {
  label: string;
  events(s: Signal, fold: number): LaughterEvent[];
  tiebreak: readonly number[];
}

export function signalOf(scores: Float32Array[], durationMs: number, logits: Float64Array): Signal {
  return {
    scores,
    durationMs,
    logit: logits,
    head: Float64Array.from(logits, sigmoid),
    yamnet: Float64Array.from(scores, (row) => laughterScore(row)),
    speech: Float64Array.from(scores, (row) => row[SPEECH_CLASS_ID]),
    confuser: Float64Array.from(scores, (row) => Math.max(...CONFUSER_CLASS_IDS.map((c) => row[c]))),
  };
}

export const headDetect = (s: Signal, p: HeadEventParameters, head: ArrayLike<number>) =>
  detectEvents(s.scores, { detector: "head", ...p }, s.durationMs, head);

const tiebreakOf = (p: HeadEventParameters) => [
  p.onsetThreshold,
  -p.offsetThreshold / p.onsetThreshold,
  p.mergeGapMs,
  -p.minDurationMs,
];

export const ruleName = (p: HeadEventParameters) =>
  `${p.onsetThreshold}/${Number(p.offsetThreshold.toFixed(4))}/${p.minDurationMs}/${p.mergeGapMs}`;

export function headRules(): Rule[] {
  return headCandidates().map((p) => ({
    label: `head ${ruleName(p)}`,
    events: (s) => headDetect(s, p, s.head),
    tiebreak: tiebreakOf(p),
  }));
}

export const YAMNET_GATES: readonly number[] = Object.freeze([0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5]);

/** Every patch must pass both: the head's probability is zeroed where YAMNet's laughter score is below y. */
export function andEveryRules(gates: readonly number[]): Rule[] {
  return gates.flatMap((y) =>
    headCandidates().map((p) => ({
      label: `and-every y ${y}, head ${ruleName(p)}`,
      events: (s: Signal) =>
        headDetect(
          s,
          p,
          Float64Array.from(s.head, (v, i) => (s.yamnet[i] >= y ? v : 0)),
        ),
      tiebreak: [...tiebreakOf(p), -y],
    })),
  );
}

/**
 * Only an onset needs YAMNet: where YAMNet's laughter score is below y the head's probability is held just
 * under the onset, so the patch continues an event (it is still at or above the offset) but cannot start
 * or re-start one. With offset = onset the offset moves down by 1e-9 so that holding works.
 */
export function andOnsetRules(gates: readonly number[]): Rule[] {
  return gates.flatMap((y) =>
    headCandidates().map((p) => {
      const offset = Math.min(p.offsetThreshold, p.onsetThreshold - 1e-9);
      const held = p.onsetThreshold - 5e-10;
      return {
        label: `and-onset y ${y}, head ${ruleName(p)}`,
        events: (s: Signal) =>
          headDetect(
            s,
            { ...p, offsetThreshold: offset },
            Float64Array.from(s.head, (v, i) => (s.yamnet[i] >= y ? v : Math.min(v, held))),
          ),
        tiebreak: [...tiebreakOf(p), -y],
      };
    }),
  );
}

/**
 * YAMNet's classes for the sounds the talk day's false laughs come from: crying, sobbing (19), baby cry
 * (20), whimper (21), wail/moan (22), breathing (36), gasp (39), pant (40), snort (41), cough (42), throat
 * clearing (43), sneeze (44), sniff (45).
 */
const CONFUSER_CLASS_IDS: readonly number[] = Object.freeze([19, 20, 21, 22, 36, 39, 40, 41, 42, 43, 44, 45]);

/**
 * and-every with a confuser veto: a patch counts only when YAMNet's laughter score is at least y and at
 * least 1/r of its highest confuser score (r = 1: laughter must lead).
 */
export function confuserVetoRules(): Rule[] {
  return [0, 0.02, 0.05].flatMap((y) =>
    [1, 2, 4].flatMap((r) =>
      headCandidates().map((p) => ({
        label: `veto y ${y}, confusers ≤ ${r} × laughter, head ${ruleName(p)}`,
        events: (s: Signal) =>
          headDetect(
            s,
            p,
            Float64Array.from(s.head, (v, i) =>
              s.yamnet[i] >= y && s.confuser[i] <= r * s.yamnet[i] ? v : 0,
            ),
          ),
        tiebreak: [...tiebreakOf(p), -y, r],
      })),
    ),
  );
}

/** Patch indices inside an event (patches whose window lies in it; at least its first). */
export function patchRange(e: LaughterEvent, patchCount: number): { first: number; last: number } {
  const first = Math.min(patchCount - 1, Math.ceil(e.startMs / PATCH_HOP_MS));
  const last = Math.min(
    patchCount - 1,
    Math.max(first, Math.floor((e.endMs - PATCH_WINDOW_MS) / PATCH_HOP_MS)),
  );
  return { first, last };
}

export interface RuleGrid {
  onset: number;
  minDurationMs: number;
  mergeGapMs: number;
}

export const RULE_GRID: readonly RuleGrid[] = [0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3].flatMap((onset) =>
  [960, 1440].flatMap((minDurationMs) =>
    [0, 960].map((mergeGapMs) => ({ onset, minDurationMs, mergeGapMs })),
  ),
);

const ruleEvents = (s: Signal, g: RuleGrid) =>
  detectEvents(
    s.scores,
    {
      ...RULE_EVENT_OPTIONS,
      onsetThreshold: g.onset,
      offsetThreshold: g.onset / 2,
      minDurationMs: g.minDurationMs,
      mergeGapMs: g.mergeGapMs,
    },
    s.durationMs,
  );

/** Candidate events are cached per signal and rule-grid point (they do not depend on h). */
const candidateCache = new WeakMap<Signal, Map<RuleGrid, LaughterEvent[]>>();
function candidates(s: Signal, g: RuleGrid): LaughterEvent[] {
  let bySignal = candidateCache.get(s);
  if (bySignal === undefined) {
    bySignal = new Map();
    candidateCache.set(s, bySignal);
  }
  let events = bySignal.get(g);
  if (events === undefined) {
    events = ruleEvents(s, g);
    bySignal.set(g, events);
  }
  return events;
}

const VERIFY_THRESHOLDS = [0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995];

export function verifyRules(aggregate: "max" | "mean"): Rule[] {
  return RULE_GRID.flatMap((g) =>
    VERIFY_THRESHOLDS.map((h) => ({
      label: `verify-${aggregate} rule ${g.onset}/${g.onset / 2}/${g.minDurationMs}/${g.mergeGapMs}, head ≥ ${h}`,
      events: (s: Signal) =>
        candidates(s, g).filter((e) => {
          const { first, last } = patchRange(e, s.head.length);
          let max = 0;
          let sum = 0;
          for (let i = first; i <= last; i++) {
            max = Math.max(max, s.head[i]);
            sum += s.head[i];
          }
          return (aggregate === "max" ? max : sum / (last - first + 1)) >= h;
        }),
      tiebreak: [h, g.onset, g.mergeGapMs, -g.minDurationMs],
    })),
  );
}

/** A rule whose events are computed once per signal (the OR family reuses its parts many times). */
function memoised(rule: Rule): Rule {
  const cache = new WeakMap<Signal, LaughterEvent[]>();
  return {
    ...rule,
    events: (s, fold) => {
      let events = cache.get(s);
      if (events === undefined) {
        events = rule.events(s, fold);
        cache.set(s, events);
      }
      return events;
    },
  };
}

/**
 * OR of the two detectors: the head's own events (a strict rule), plus the rule detector's events (a
 * stricter YAMNet onset than its default) that the head supports (max probability inside ≥ h) and that no
 * head event already covers. Laughs the head is unsure of but YAMNet hears clearly.
 */
export function orRules(): Rule[] {
  const heads = headCandidates()
    .filter((p) => p.onsetThreshold >= 0.97)
    .map((p) =>
      memoised({
        label: `head ${ruleName(p)}`,
        events: (s) => headDetect(s, p, s.head),
        tiebreak: tiebreakOf(p),
      }),
    );
  const grid: RuleGrid[] = [0.1, 0.2, 0.3, 0.5].flatMap((onset) =>
    [960, 1440].map((minDurationMs) => ({ onset, minDurationMs, mergeGapMs: 960 })),
  );
  const verified = grid.flatMap((g) =>
    [0, 0.5, 0.7, 0.8, 0.9, 0.95].map((h) =>
      memoised({
        label: `rule ${g.onset}/${g.onset / 2}/${g.minDurationMs}/${g.mergeGapMs} with head max ≥ ${h}`,
        events: (s: Signal) => candidates(s, g).filter((e) => headMax(s, e) >= h),
        tiebreak: [h, g.onset, -g.minDurationMs],
      }),
    ),
  );
  return heads.flatMap((a) =>
    verified.map((b) => ({
      label: `or: ${a.label} | ${b.label}`,
      events: (s: Signal, fold: number) => {
        const first = a.events(s, fold);
        const extra = b
          .events(s, fold)
          .filter((e) => !first.some((f) => e.startMs < f.endMs && e.endMs > f.startMs));
        return [...first, ...extra].sort((x, y) => x.startMs - y.startMs);
      },
      tiebreak: [...b.tiebreak, ...a.tiebreak],
    })),
  );
}

function headMax(s: Signal, e: LaughterEvent): number {
  const { first, last } = patchRange(e, s.head.length);
  let max = 0;
  for (let i = first; i <= last; i++) max = Math.max(max, s.head[i]);
  return max;
}

/** Event features of the second stage. */
function eventFeatures(s: Signal, e: LaughterEvent): number[] {
  const { first, last } = patchRange(e, s.head.length);
  let maxLogit = Number.NEGATIVE_INFINITY;
  let sumLogit = 0;
  let maxYamnet = 0;
  let sumYamnet = 0;
  let sumSpeech = 0;
  const n = last - first + 1;
  for (let i = first; i <= last; i++) {
    maxLogit = Math.max(maxLogit, s.logit[i]);
    sumLogit += s.logit[i];
    maxYamnet = Math.max(maxYamnet, s.yamnet[i]);
    sumYamnet += s.yamnet[i];
    sumSpeech += s.speech[i];
  }
  return [
    maxLogit,
    sumLogit / n,
    maxYamnet,
    sumYamnet / n,
    sumSpeech / n,
    Math.log((e.endMs - e.startMs) / 1000),
  ];
}

/** Is candidate event `e` of recording `r` a laugh (training label of the second stage)? */
const isLaughterCandidate = (r: Evaluated) => r.isLaughter && r.stream === undefined;

/**
 * Second stage: per fold, a logistic regression on the candidate events of the other folds' recordings
 * (positive: an event on a laughter clip; negative: every other), scoring candidate events of a fixed
 * rule-grid point. Streams weigh like in the head's training: their events as much as all clip negatives.
 */
export function stageTwoRules(recordings: readonly Evaluated[], g: RuleGrid): Rule[] {
  const models = Array.from({ length: FOLD_COUNT }, (_, fold) => {
    const rows: number[][] = [];
    const labels: number[] = [];
    const weights: number[] = [];
    for (const r of recordings) {
      if (r.fold === fold || r.suspect) continue;
      for (const e of candidates(r.signal, g)) {
        rows.push(eventFeatures(r.signal, e));
        labels.push(isLaughterCandidate(r) ? 1 : 0);
        weights.push(r.stream === undefined ? 1 : 3);
      }
    }
    const model = trainLogistic(rows, labels, weights, { ...DEFAULT_LOGISTIC_OPTIONS, l2: 0.01 });
    return (x: readonly number[]) => sigmoid(logit(model, x));
  });
  return [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99].map((t) => ({
    label: `stage2 rule ${g.onset}/${g.minDurationMs}/${g.mergeGapMs}, p ≥ ${t}`,
    events: (s: Signal, fold: number) =>
      candidates(s, g).filter((e) => models[fold](eventFeatures(s, e)) >= t),
    tiebreak: [t],
  }));
}
