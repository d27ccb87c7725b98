/**
 * @module
 * Experiment (issue 18, round 3; never feeds the shipped model): combine the trained head's evidence with
 * YAMNet's own laughter classes (the rule detector's score, max of classes 13–18). Their false laughs come
 * from different sounds (the rule detector: babble, crying babies, coughs, animals; the head: a few talk
 * and ambient patches), so requiring both might buy recall back at the same everyday bars.
 *
 * Variants (each a family of rules; the rule is chosen by the shipped criterion on out-of-fold output, and
 * each fold is judged by the rule chosen on the other folds, exactly like recall-levers.ts):
 * - `head`: the shipped rule grid on the head's probability (reproduces the shipped held-out row).
 * - `and-every`: a patch counts only when head ≥ its threshold AND YAMNet's laughter score ≥ y (every patch).
 * - `and-onset`: only the patch that starts (or re-starts, across a merge gap) an event needs YAMNet ≥ y;
 *   the event continues on the head alone.
 * - `verify-max` / `verify-mean`: the rule detector's events (a grid of its onset and minimum length), kept
 *   when the head's max (or mean) probability inside the event is at least h.
 * - `or`: the head's own events plus the rule detector's events (stricter onset) that the head supports.
 * - `confuser-veto`: and-every where YAMNet's crying/cough/breath classes must not exceed r × its laughter.
 * - `stage2` (`--stage2`): the rule detector's candidate events scored by a logistic regression on event
 *   features (max/mean head logit, max/mean YAMNet laughter, mean YAMNet speech, log duration), trained per
 *   fold on that fold's training part only; the threshold is chosen like any rule.
 * Each family also alone per gate, and together with the head's own grid (`head ∪ …`).
 *
 * `--talk-day-limit N` also holds the chosen rule to N false laughs per hour on the other folds' talk days;
 * `--confusers-in-talk` trains the fold heads with every confuser clip mixed into talk as a negative too.
 * Reuses `npm run train`'s cache (run it first); the shipped recipe's fold heads are trained once per run.
 * Figures and what they mean: models/head/METRICS.md, "History: issue 18 round 3".
 *
 * node bin/run-ts.mjs models/experiments/combine-detectors.ts [--stage2] [--talk-day-limit 2]
 *   [--confusers-in-talk] [--breakdown head,and-every] > .tmp/combine.md
 */
import { parseArgs } from "node:util";
import type { LaughterEvent } from "../../inference-node/src/engine/types.ts";
import { detectEvents, RULE_EVENT_OPTIONS } from "../../inference-node/src/events/event-detector.ts";
import { laughterScore } from "../../inference-node/src/events/laughter-score.ts";
import { PATCH_HOP_MS, PATCH_WINDOW_MS } from "../../shared/yamnet/constants.ts";
import {
  type EvaluatedRecording,
  excessFalseLaughs,
  type HeadEventParameters,
  headCandidates,
  isPoolClip,
  type Metrics,
  metricsOf,
  type RuleFigures,
} from "../src/head/cross-validate.ts";
import { scoreRows } from "../src/head/embedder.ts";
import { DEFAULT_LOGISTIC_OPTIONS, logit, sigmoid, trainLogistic } from "../src/head/logistic-regression.ts";
import { headLogit, SPEECH_CLASS_ID, trainMilHead } from "../src/head/mil-head.ts";
import { type DayFigures, type DayPlan, dayFigures, joinDays } from "../src/head/talk-day.ts";
import { evaluatedRecording, foldTalkDay, TRAINING_GRID } from "../src/head/train.ts";
import { FOLD_COUNT } from "../src/head/training-items.ts";
import { confusersInTalk, experimentItems } from "./experiment-items.ts";

const SHIPPED = TRAINING_GRID[TRAINING_GRID.length - 1];

/** What a rule sees of one recording (a clip, a daylife stream or a talk day). */
interface Signal {
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

type Evaluated = EvaluatedRecording & { signal: Signal };

/** A candidate rule: how it turns a recording into events, and its tie-break key (larger first). */
interface Rule {
  label: string;
  events(s: Signal, fold: number): LaughterEvent[];
  tiebreak: readonly number[];
}

function signalOf(scores: Float32Array[], durationMs: number, logits: Float64Array): Signal {
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

const headDetect = (s: Signal, p: HeadEventParameters, head: ArrayLike<number>) =>
  detectEvents(s.scores, { detector: "head", ...p }, s.durationMs, head);

const tiebreakOf = (p: HeadEventParameters) => [
  p.onsetThreshold,
  -p.offsetThreshold / p.onsetThreshold,
  p.mergeGapMs,
  -p.minDurationMs,
];

const ruleName = (p: HeadEventParameters) =>
  `${p.onsetThreshold}/${Number(p.offsetThreshold.toFixed(4))}/${p.minDurationMs}/${p.mergeGapMs}`;

function headRules(): Rule[] {
  return headCandidates().map((p) => ({
    label: `head ${ruleName(p)}`,
    events: (s) => headDetect(s, p, s.head),
    tiebreak: tiebreakOf(p),
  }));
}

export const YAMNET_GATES: readonly number[] = Object.freeze([0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5]);

/** Every patch must pass both: the head's probability is zeroed where YAMNet's laughter score is below y. */
function andEveryRules(gates: readonly number[]): Rule[] {
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
function andOnsetRules(gates: readonly number[]): Rule[] {
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
function confuserVetoRules(): Rule[] {
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
function patchRange(e: LaughterEvent, patchCount: number): { first: number; last: number } {
  const first = Math.min(patchCount - 1, Math.ceil(e.startMs / PATCH_HOP_MS));
  const last = Math.min(
    patchCount - 1,
    Math.max(first, Math.floor((e.endMs - PATCH_WINDOW_MS) / PATCH_HOP_MS)),
  );
  return { first, last };
}

interface RuleGrid {
  onset: number;
  minDurationMs: number;
  mergeGapMs: number;
}

const RULE_GRID: readonly RuleGrid[] = [0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3].flatMap((onset) =>
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

function verifyRules(aggregate: "max" | "mean"): Rule[] {
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
function orRules(): Rule[] {
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
function stageTwoRules(recordings: readonly Evaluated[], g: RuleGrid): Rule[] {
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

/** Event counts of every rule on every recording (computed once; selections sum them). */
function countMatrix(rules: readonly Rule[], recordings: readonly Evaluated[]): Int32Array[] {
  return rules.map((rule) => Int32Array.from(recordings, (r) => rule.events(r.signal, r.fold).length));
}

function figuresOf(
  counts: Int32Array,
  recordings: readonly Evaluated[],
  keep: (r: Evaluated) => boolean,
): RuleFigures {
  const labels: boolean[] = [];
  const predicted: boolean[] = [];
  const stream = { speech: { hours: 0, falseLaughs: 0 }, ambient: { hours: 0, falseLaughs: 0 } };
  recordings.forEach((r, k) => {
    if (!keep(r)) return;
    if (r.stream !== undefined) {
      stream[r.stream].hours += r.durationMs / 3_600_000;
      stream[r.stream].falseLaughs += counts[k];
    } else if (isPoolClip(r)) {
      labels.push(r.isLaughter);
      predicted.push(counts[k] > 0);
    }
  });
  const perHour = (x: { hours: number; falseLaughs: number }) => ({
    ...x,
    perHour: x.hours === 0 ? 0 : x.falseLaughs / x.hours,
  });
  return {
    clips: metricsOf(labels, predicted),
    speech: perHour(stream.speech),
    ambient: perHour(stream.ambient),
  };
}

/**
 * Optional extra constraint of the selection: at most `limitPerHour` false laughs per hour on the talk days
 * of the folds the rule is chosen on (`falseLaughs[rule][fold]`, each day scored by its out-of-fold head).
 */
interface DayConstraint {
  limitPerHour: number;
  falseLaughs: Int32Array[];
  hours: readonly number[];
}

/** The shipped criterion (cross-validate.ts's pickHeadParameters), over any rule family. */
function pick(
  rules: readonly Rule[],
  matrix: readonly Int32Array[],
  recordings: readonly Evaluated[],
  keep: (r: Evaluated) => boolean,
  folds: readonly number[],
  dayConstraint?: DayConstraint,
): { index: number; figures: RuleFigures } {
  const dayExcess = (k: number) => {
    if (dayConstraint === undefined) return 0;
    let n = 0;
    let hours = 0;
    for (const fold of folds) {
      n += dayConstraint.falseLaughs[k][fold];
      hours += dayConstraint.hours[fold];
    }
    return Math.max(0, n / hours - dayConstraint.limitPerHour);
  };
  let best: { index: number; figures: RuleFigures; excess: number } | undefined;
  for (let k = 0; k < rules.length; k++) {
    const f = figuresOf(matrix[k], recordings, keep);
    const excess = excessFalseLaughs(f) + dayExcess(k);
    if (best === undefined) {
      best = { index: k, figures: f, excess };
      continue;
    }
    const g = best.figures;
    let order =
      best.excess - excess ||
      f.clips.f1 - g.clips.f1 ||
      g.speech.falseLaughs + g.ambient.falseLaughs - f.speech.falseLaughs - f.ambient.falseLaughs ||
      g.clips.fp - f.clips.fp;
    const a = rules[k].tiebreak;
    const b = rules[best.index].tiebreak;
    for (let j = 0; order === 0 && j < Math.min(a.length, b.length); j++) order = a[j] - b[j];
    if (order > 0) best = { index: k, figures: f, excess };
  }
  if (best === undefined) throw new Error("pick: no rules");
  return best;
}

interface Day {
  plan: DayPlan;
  signal: Signal;
}

interface HeldOut {
  clips: Metrics;
  speechFalse: number;
  speechHours: number;
  ambientFalse: number;
  ambientHours: number;
  day: DayFigures;
  oofF1: number;
  rules: string[];
  chosenIndex: number[];
  decisions: Map<Evaluated, number>;
}

function heldOut(
  rules: readonly Rule[],
  matrix: readonly Int32Array[],
  recordings: readonly Evaluated[],
  days: readonly Day[],
  dayConstraint?: DayConstraint,
): HeldOut {
  const folds = Array.from({ length: FOLD_COUNT }, (_, fold) => fold);
  const chosenIndex = folds.map(
    (fold) =>
      pick(
        rules,
        matrix,
        recordings,
        (r) => r.fold !== fold,
        folds.filter((f) => f !== fold),
        dayConstraint,
      ).index,
  );
  const all = pick(rules, matrix, recordings, () => true, folds, dayConstraint);
  const decisions = new Map<Evaluated, number>();
  recordings.forEach((r, k) => {
    decisions.set(r, matrix[chosenIndex[r.fold]][k]);
  });
  const clips = recordings.filter(isPoolClip);
  let speechFalse = 0;
  let speechHours = 0;
  let ambientFalse = 0;
  let ambientHours = 0;
  for (const r of recordings) {
    if (r.stream === "speech") {
      speechFalse += decisions.get(r) ?? 0;
      speechHours += r.durationMs / 3_600_000;
    } else if (r.stream === "ambient") {
      ambientFalse += decisions.get(r) ?? 0;
      ambientHours += r.durationMs / 3_600_000;
    }
  }
  const joined = joinDays(
    days.map((d, fold) => ({ plan: d.plan, events: rules[chosenIndex[fold]].events(d.signal, fold) })),
  );
  return {
    clips: metricsOf(
      clips.map((r) => r.isLaughter),
      clips.map((r) => (decisions.get(r) ?? 0) > 0),
    ),
    speechFalse,
    speechHours,
    ambientFalse,
    ambientHours,
    day: dayFigures(joined.events, joined.plan),
    oofF1: all.figures.clips.f1,
    rules: chosenIndex.map((k) => rules[k].label),
    chosenIndex,
    decisions,
  };
}

function row(name: string, h: HeldOut): string {
  const c = h.clips;
  return `| ${name} | ${c.precision.toFixed(3)} / ${c.recall.toFixed(3)} / ${c.f1.toFixed(3)} (TP ${c.tp}, FP ${c.fp}) | ${(h.speechFalse / h.speechHours).toFixed(2)} (${h.speechFalse}) | ${(h.ambientFalse / h.ambientHours).toFixed(2)} (${h.ambientFalse}) | ${h.day.recall.toFixed(3)} (${h.day.found}/${h.day.laughs}) at ${h.day.falseLaughsPerHour.toFixed(2)} (${h.day.falseLaughs}) | ${h.oofF1.toFixed(3)} |`;
}

function breakdown(name: string, h: HeldOut, recordings: readonly Evaluated[]): string {
  const out = [`## Per source: ${name}`, "", "Fold rules:", ""];
  h.rules.forEach((label, fold) => {
    out.push(`- fold ${fold}: ${label}`);
  });
  out.push("", "| part | TP | FP | FN | TN | P | R | F1 |", "|---|---|---|---|---|---|---|---|");
  const part = (label: string, filter: (r: Evaluated) => boolean) => {
    const subset = recordings.filter((r) => r.stream === undefined && filter(r));
    const m = metricsOf(
      subset.map((r) => r.isLaughter),
      subset.map((r) => (h.decisions.get(r) ?? 0) > 0),
    );
    out.push(
      `| ${label} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} | ${m.precision.toFixed(3)} | ${m.recall.toFixed(3)} | ${m.f1.toFixed(3)} |`,
    );
  };
  part("train + dev", isPoolClip);
  part("train + dev without suspect clips", (r) => isPoolClip(r) && !r.suspect);
  part("train", (r) => r.set === "train");
  part("dev", (r) => r.set === "dev");
  part("daylife laughter clips", (r) => r.set === "daylife");
  out.push("", "| stream | files | hours | false laughs |", "|---|---|---|---|");
  const streams = new Map<string, { files: number; hours: number; n: number }>();
  for (const r of recordings) {
    if (r.stream === undefined) continue;
    const key = `${r.stream}: ${r.label}`;
    const s = streams.get(key) ?? { files: 0, hours: 0, n: 0 };
    s.files++;
    s.hours += r.durationMs / 3_600_000;
    s.n += h.decisions.get(r) ?? 0;
    streams.set(key, s);
  }
  for (const [key, s] of [...streams].sort())
    out.push(`| ${key} | ${s.files} | ${s.hours.toFixed(2)} | ${s.n} |`);
  const fps: Record<string, number> = {};
  for (const r of recordings)
    if (isPoolClip(r) && !r.isLaughter && (h.decisions.get(r) ?? 0) > 0)
      fps[r.label] = (fps[r.label] ?? 0) + 1;
  out.push(
    "",
    `Clip false positives by label: ${JSON.stringify(fps)}`,
    `Talk day: recall ${h.day.recall.toFixed(3)} (${h.day.found}/${h.day.laughs}; without suspect clips ${h.day.foundClean}/${h.day.laughsClean}), ${h.day.falseLaughs} false laughs in ${h.day.hours.toFixed(2)} h: ${JSON.stringify(h.day.falseByLabel)}`,
  );
  return out.join("\n");
}

/**
 * Where the YAMNet gate removes false laughs: one fixed head rule (the and-every variants' choice) with
 * growing gates, on all out-of-fold output (every fold, no selection): which false laughs the two
 * detectors share.
 */
function overlap(recordings: readonly Evaluated[], days: readonly Day[]): string {
  const p: HeadEventParameters = {
    onsetThreshold: 0.95,
    offsetThreshold: 0.95,
    minDurationMs: 1440,
    mergeGapMs: 0,
  };
  const out = [
    `## Fixed head rule ${ruleName(p)} with a YAMNet gate on every patch (all out-of-fold output, no selection)`,
    "",
    "| YAMNet laughter ≥ | clips TP / FP | speech false laughs | ambient false laughs | talk day found / false laughs | talk-day false laughs by label |",
    "|---|---|---|---|---|---|",
  ];
  for (const y of [0, 0.01, 0.02, 0.05, 0.1, 0.2]) {
    const events = (s: Signal) =>
      headDetect(
        s,
        p,
        Float64Array.from(s.head, (v, i) => (s.yamnet[i] >= y ? v : 0)),
      );
    const counts = Int32Array.from(recordings, (r) => events(r.signal).length);
    const f = figuresOf(counts, recordings, () => true);
    const joined = joinDays(days.map((d) => ({ plan: d.plan, events: events(d.signal) })));
    const day = dayFigures(joined.events, joined.plan);
    out.push(
      `| ${y} | ${f.clips.tp} / ${f.clips.fp} | ${f.speech.falseLaughs} | ${f.ambient.falseLaughs} | ${day.found} / ${day.falseLaughs} | ${JSON.stringify(day.falseByLabel)} |`,
    );
  }
  return out.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      breakdown: { type: "string", default: "" },
      stage2: { type: "boolean", default: false },
      // Train the fold heads with confuser clips mixed into talk as negatives as well (experiment-items.ts).
      "confusers-in-talk": { type: "boolean", default: false },
      // Also keep the other folds' talk days at most this many false laughs per hour when choosing.
      "talk-day-limit": { type: "string", default: "" },
    },
  });
  const log = (m: string) => console.error(`[combine] ${m}`);
  const { items, embedder } = await experimentItems(log);
  const trainable = items.filter((item) => !item.suspect);
  if (values["confusers-in-talk"]) trainable.push(...(await confusersInTalk(items, embedder, log)));
  let started = performance.now();
  const heads = Array.from({ length: FOLD_COUNT }, (_, fold) =>
    trainMilHead(
      trainable.filter((item) => item.fold !== fold),
      { ...DEFAULT_LOGISTIC_OPTIONS, l2: SHIPPED.l2 },
      SHIPPED.mil,
    ),
  );
  log(`fold heads trained in ${Math.round(performance.now() - started)} ms`);
  const logitsOf = (fold: number, features: Parameters<typeof headLogit>[1]) =>
    Float64Array.from({ length: features.patchCount }, (_, i) => headLogit(heads[fold], features, i));
  const recordings: Evaluated[] = items
    .filter((item) => item.original)
    .map((item) => {
      const logit = logitsOf(item.fold, item.features);
      const base = evaluatedRecording(item, Float32Array.from(logit, sigmoid));
      return { ...base, signal: signalOf(base.scores, base.durationMs, logit) };
    });
  const days: Day[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const { plan, features } = await foldTalkDay(items, fold, embedder);
    days.push({ plan, signal: signalOf(scoreRows(features), features.durationMs, logitsOf(fold, features)) });
  }
  await embedder.dispose();

  const families: Record<string, Rule[]> = {
    head: headRules(),
    "and-every": andEveryRules(YAMNET_GATES),
    "and-onset": andOnsetRules(YAMNET_GATES),
    "verify-max": verifyRules("max"),
    "verify-mean": verifyRules("mean"),
    or: orRules(),
    "confuser-veto": confuserVetoRules(),
  };
  if (values.stage2) {
    for (const g of RULE_GRID.filter((x) => x.mergeGapMs === 960 && x.minDurationMs === 960))
      families[`stage2 rule onset ${g.onset}`] = stageTwoRules(recordings, g);
  }
  const matrices: Record<string, Int32Array[]> = {};
  for (const [name, rules] of Object.entries(families)) {
    started = performance.now();
    matrices[name] = countMatrix(rules, recordings);
    log(`${name}: ${rules.length} rules counted in ${Math.round(performance.now() - started)} ms`);
  }
  // Variants: each family alone, each gate alone, and the head grid together with each family (so that
  // the CV may also keep the head's own rule).
  const variants: Record<string, { rules: Rule[]; matrix: Int32Array[] }> = {};
  for (const name of Object.keys(families))
    variants[name] = { rules: families[name], matrix: matrices[name] };
  for (const name of ["and-every", "and-onset"]) {
    for (const y of YAMNET_GATES) {
      const keep = families[name]
        .map((rule, k) => ({ rule, k }))
        .filter((x) => x.rule.label.includes(`y ${y},`));
      variants[`${name} y ${y}`] = {
        rules: keep.map((x) => x.rule),
        matrix: keep.map((x) => matrices[name][x.k]),
      };
    }
  }
  for (const name of Object.keys(families).filter((n) => n !== "head"))
    variants[`head ∪ ${name}`] = {
      rules: [...families.head, ...families[name]],
      matrix: [...matrices.head, ...matrices[name]],
    };

  console.log(
    "| variant | clips P / R / F1 | speech /h | ambient /h | talk day recall at false /h | OOF F1 |",
  );
  console.log("|---|---|---|---|---|---|");
  const dayLimit = Number(values["talk-day-limit"]);
  const dayHours = days.map((d) => d.plan.totalMs / 3_600_000);
  const dayCounts = (rules: readonly Rule[]): Int32Array[] =>
    rules.map((rule) =>
      Int32Array.from(days, (d, fold) => dayFigures(rule.events(d.signal, fold), d.plan).falseLaughs),
    );
  const results = new Map<string, HeldOut>();
  for (const [name, v] of Object.entries(variants)) {
    const constraint =
      values["talk-day-limit"] === ""
        ? undefined
        : { limitPerHour: dayLimit, falseLaughs: dayCounts(v.rules), hours: dayHours };
    const h = heldOut(v.rules, v.matrix, recordings, days, constraint);
    results.set(name, h);
    console.log(row(name, h));
  }
  console.log("");
  for (const [name, h] of results) console.log(`- ${name}: ${h.rules.join("; ")}`);
  console.log(`\n${overlap(recordings, days)}`);
  for (const name of values.breakdown.split(",").filter((n) => n !== "")) {
    const h = results.get(name);
    if (h === undefined) throw new Error(`--breakdown: unknown variant ${name}`);
    console.log(`\n${breakdown(name, h, recordings)}`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
