/**
 * @module
 * `npm run train`: trains the laughter head on YAMNet's embeddings and reports it the way a user feels it.
 *
 * 1. Embeds the training pool, the dev set and daylife (cached in models/build/head-cache/) and builds the
 *    seeded training copies (training-items.ts).
 * 2. Grouped 5-fold CV (a group never straddles folds; daylife's groups get folds of their own): for each
 *    training recipe of {@link TRAINING_GRID}, a head per fold trained without it (mil-head.ts) scores the
 *    held-out recordings. The recipe and the event rule are chosen on these out-of-fold probabilities by
 *    cross-validate.ts's criterion (false laughs per hour of speech and of ambient first, then clip F1).
 * 3. Reports held-out figures only: each fold judged with the rule chosen on the other folds; clips, daylife
 *    streams, and the talk days (talk-day.ts).
 * 4. Calibrates the probability on the talk days' held-out events (calibration.ts), trains the shipped head
 *    on everything and writes models/head/: laughter-head.json, metrics.json, cv-report.md, data-manifest.csv,
 *    and the generated part of METRICS.md.
 *
 * Deterministic (fixed seeds, full-batch training from zero): a rerun rewrites the four files byte for byte.
 * Flags: `--shared DIR` (default ../shared or GIGGLES_SHARED_DIR).
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LaughterEvent } from "../../../inference-node/src/engine/types.ts";
import { detectEvents, RULE_EVENT_OPTIONS } from "../../../inference-node/src/events/event-detector.ts";
import { MODELS_DIR } from "../model-paths.ts";
import {
  type Calibration,
  calibrated,
  calibratedLogit,
  eventPeakLogits,
  fitPlatt,
  logitOf,
} from "./calibration.ts";
import {
  type EvaluatedRecording,
  type HeadEventParameters,
  headEvents,
  headSaysLaughter,
  isPoolClip,
  metricsOf,
  pickHeadParameters,
  type RuleFigures,
  ruleFigures,
  tradeOff,
} from "./cross-validate.ts";
import { baselineSaysLaughter } from "./dev-set.ts";
import { createTrainingEmbedder, type Embedder, scoreRows } from "./embedder.ts";
import { type HeadArtifact, headVersion } from "./head-artifact.ts";
import {
  DEFAULT_LOGISTIC_OPTIONS,
  type LogisticModel,
  type LogisticOptions,
  sigmoid,
} from "./logistic-regression.ts";
import {
  type DecisionName,
  formatReport,
  type TalkDayDecision,
  type TrainingReport,
  withGeneratedReport,
} from "./metrics-report.ts";
import { headLogit, headProbabilities, type MilOptions, trainMilHead } from "./mil-head.ts";
import { type DayPlan, dayFigures, embedTalkDay, joinDays, planTalkDay } from "./talk-day.ts";
import { buildItems, FOLD_COUNT, type PoolItem, SEED } from "./training-items.ts";
import { groupedFolds, loadDaylife, loadTrainingPool, type PoolRecording } from "./training-pool.ts";

export { FOLD_COUNT, SEED };

/** A training recipe: the regulariser and the weak-label / negative scheme. */
export interface TrainingRecipe {
  name: string;
  l2: number;
  mil: MilOptions;
}

const BEFORE: MilOptions = {
  topFraction: 0.5,
  teacherGate: 0,
  speechGate: false,
  streamShare: 0,
  hardNegatives: 0,
};
/**
 * Recipes compared by grouped CV; the best by the criterion is shipped. The first is the head before
 * issue 18 (no daylife negatives, ungated positives), for reference.
 */
export const TRAINING_GRID: readonly TrainingRecipe[] = Object.freeze([
  { name: "before (top 50 %, no daylife)", l2: 0.03, mil: BEFORE },
  { name: "+ daylife negatives", l2: 0.03, mil: { ...BEFORE, streamShare: 1 } },
  {
    name: "+ daylife, gated positives",
    l2: 0.03,
    mil: { ...BEFORE, streamShare: 1, teacherGate: 0.5, speechGate: true },
  },
  {
    name: "+ daylife, gated, hard negatives",
    l2: 0.03,
    mil: { ...BEFORE, streamShare: 1, teacherGate: 0.5, speechGate: true, hardNegatives: 32 },
  },
]);

/** An original recording as the evaluation sees it, with its out-of-fold head probabilities. */
export function evaluatedRecording(item: PoolItem, head: Float32Array): EvaluatedRecording {
  const r = item.original;
  if (r === undefined) throw new Error(`evaluatedRecording: ${item.recipe} is a training copy`);
  return {
    id: r.id,
    label: r.label,
    isLaughter: r.isLaughter,
    set: r.set,
    ...(r.stream ? { stream: r.stream } : {}),
    suspect: r.suspect,
    fold: item.fold,
    scores: scoreRows(item.features),
    durationMs: item.features.durationMs,
    head,
  };
}

/** The fold heads of one recipe and every original's out-of-fold probabilities. */
export function outOfFold(
  items: readonly PoolItem[],
  recipe: TrainingRecipe,
): { heads: LogisticModel[]; recordings: EvaluatedRecording[] } {
  const options: LogisticOptions = { ...DEFAULT_LOGISTIC_OPTIONS, l2: recipe.l2 };
  const trainable = items.filter((item) => !item.suspect);
  const heads: LogisticModel[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++)
    heads.push(
      trainMilHead(
        trainable.filter((item) => item.fold !== fold),
        options,
        recipe.mil,
      ),
    );
  const recordings = items
    .filter((item) => item.original)
    .map((item) => evaluatedRecording(item, headProbabilities(heads[item.fold], item.features)));
  return { heads, recordings };
}

/** Each fold judged with the rule chosen on the other folds. */
function heldOutRules(recordings: readonly EvaluatedRecording[]): HeadEventParameters[] {
  return Array.from(
    { length: FOLD_COUNT },
    (_, fold) => pickHeadParameters(recordings.filter((r) => r.fold !== fold)).chosen,
  );
}

/** One fold's talk day: its daylife streams with its held-out clips placed over them. */
export async function foldTalkDay(items: readonly PoolItem[], fold: number, embedder: Embedder) {
  const held = items.filter((item) => item.fold === fold && item.original);
  const durations = new Map<PoolRecording, number>();
  for (const item of held) if (item.original) durations.set(item.original, item.features.durationMs);
  const recordings = [...durations.keys()];
  const plan = planTalkDay(
    recordings.filter((r) => r.stream !== undefined),
    recordings.filter((r) => r.stream === undefined),
    durations,
    SEED + 7 * fold,
  );
  return { plan, features: await embedTalkDay(embedder, plan, fold) };
}

/** The event rule shipped with the head before issue 18 (raw probability). */
const PREVIOUS_RULE: HeadEventParameters = Object.freeze({
  onsetThreshold: 0.95,
  offsetThreshold: 0.475,
  minDurationMs: 960,
  mergeGapMs: 960,
});

/** Event threshold the calibration is fitted from: every held-out event above it, true or false. */
const CALIBRATION_ONSET = 0.5;

/** Runs the whole procedure and returns the shipped head and the report. */
export async function train(sharedDir: string, log: (message: string) => void) {
  const pool = loadTrainingPool(sharedDir);
  const daylife = loadDaylife(sharedDir);
  const recordings = [...pool, ...daylife];
  const folds = [...groupedFolds(pool, FOLD_COUNT, SEED), ...groupedFolds(daylife, FOLD_COUNT, SEED)];
  const embedder = await createTrainingEmbedder(log);
  const items = await buildItems(recordings, folds, embedder, log);

  const search: (TrainingRecipe & { chosen: HeadEventParameters; figures: RuleFigures })[] = [];
  let best: { recipe: TrainingRecipe; heads: LogisticModel[]; recordings: EvaluatedRecording[] } | undefined;
  let bestFigures: RuleFigures | undefined;
  let previous: { heads: LogisticModel[]; recordings: EvaluatedRecording[] } | undefined;
  for (const recipe of TRAINING_GRID) {
    const started = performance.now();
    const oof = outOfFold(items, recipe);
    previous ??= oof;
    const { chosen, figures } = pickHeadParameters(oof.recordings);
    search.push({ ...recipe, chosen, figures });
    log(
      `${recipe.name}: clip F1 ${figures.clips.f1.toFixed(3)}, speech ${figures.speech.perHour.toFixed(2)}/h, ambient ${figures.ambient.perHour.toFixed(2)}/h (${Math.round(performance.now() - started)} ms)`,
    );
    if (bestFigures === undefined || betterRecipe(figures, bestFigures)) {
      best = { recipe, ...oof };
      bestFigures = figures;
    }
  }
  if (best === undefined || previous === undefined) throw new Error("train: empty TRAINING_GRID");
  const before = previous;
  const oofRecordings = best.recordings;
  const chosen = pickHeadParameters(oofRecordings).chosen;
  const foldRules = heldOutRules(oofRecordings);
  const trade = tradeOff(oofRecordings);

  // Held-out decisions: the head with its fold's rule, the old rule, the rule detector.
  const decisions = new Map<EvaluatedRecording, Record<DecisionName, boolean>>();
  const perFold: TrainingReport["perFold"] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const held = oofRecordings.filter((r) => r.fold === fold);
    for (const r of held) {
      decisions.set(r, {
        head: headSaysLaughter(r, foldRules[fold]),
        "old rule": baselineSaysLaughter(r.scores),
        "rule detector": detectEvents(r.scores, RULE_EVENT_OPTIONS, r.durationMs).length > 0,
      });
    }
    perFold.push({ fold, chosen: foldRules[fold], figures: ruleFigures(held, foldRules[fold]) });
  }
  const clipsOf = (filter: (r: EvaluatedRecording) => boolean) => {
    const subset = oofRecordings.filter((r) => r.stream === undefined && filter(r));
    const m = (d: DecisionName) =>
      metricsOf(
        subset.map((r) => r.isLaughter),
        subset.map((r) => decisions.get(r)?.[d] === true),
      );
    return { head: m("head"), "old rule": m("old rule"), "rule detector": m("rule detector") };
  };
  const parts = {
    "train + dev": clipsOf(isPoolClip),
    "train + dev without suspect clips": clipsOf((r) => isPoolClip(r) && !r.suspect),
    train: clipsOf((r) => r.set === "train"),
    dev: clipsOf((r) => r.set === "dev"),
    "daylife laughter clips": clipsOf((r) => r.set === "daylife"),
  };
  const streams: TrainingReport["streams"] = {};
  for (const r of oofRecordings) {
    if (r.stream === undefined) continue;
    const key = `${r.stream}: ${r.label}`;
    streams[key] ??= { files: 0, hours: 0, head: 0, "rule detector": 0 };
    const s = streams[key];
    s.files++;
    s.hours += r.durationMs / 3_600_000;
    s.head += headEvents(r, foldRules[r.fold]).length;
    s["rule detector"] += detectEvents(r.scores, RULE_EVENT_OPTIONS, r.durationMs).length;
  }
  const falsePositivesByLabel: TrainingReport["falsePositivesByLabel"] = {};
  const negativesByLabel: Record<string, number> = {};
  for (const r of oofRecordings) {
    if (r.isLaughter || r.stream !== undefined) continue;
    negativesByLabel[r.label] = (negativesByLabel[r.label] ?? 0) + 1;
    for (const [d, says] of Object.entries(decisions.get(r) ?? {})) {
      if (!says) continue;
      falsePositivesByLabel[d] ??= {};
      falsePositivesByLabel[d][r.label] = (falsePositivesByLabel[d][r.label] ?? 0) + 1;
    }
  }

  // The talk days: each fold's day scored by the head trained without that fold, with its rule.
  const days: { plan: DayPlan; events: Record<TalkDayDecision, LaughterEvent[]> }[] = [];
  const calibrationPeaks: number[] = [];
  const calibrationOutcomes: boolean[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const started = performance.now();
    const { plan, features } = await foldTalkDay(items, fold, embedder);
    const logits = Float64Array.from({ length: features.patchCount }, (_, i) =>
      headLogit(best.heads[fold], features, i),
    );
    const p = Float32Array.from(logits, sigmoid);
    const scores = scoreRows(features);
    const rule = foldRules[fold];
    const events = (parameters: HeadEventParameters) =>
      detectEvents(scores, { detector: "head", ...parameters }, features.durationMs, p);
    const beforeP = headProbabilities(before.heads[fold], features);
    days.push({
      plan,
      events: {
        head: events(rule),
        "head before issue 18": detectEvents(
          scores,
          { detector: "head", ...PREVIOUS_RULE },
          features.durationMs,
          beforeP,
        ),
        "rule detector": detectEvents(scores, RULE_EVENT_OPTIONS, features.durationMs),
      },
    });
    // Every held-out event down to a low onset (same hysteresis ratio): its peak logit, and was it a laugh.
    const loose = events({
      ...rule,
      onsetThreshold: CALIBRATION_ONSET,
      offsetThreshold: (CALIBRATION_ONSET * rule.offsetThreshold) / rule.onsetThreshold,
    });
    calibrationPeaks.push(...eventPeakLogits(loose, logits));
    calibrationOutcomes.push(...loose.map((e) => isLaughEvent(e, plan)));
    log(
      `talk day, fold ${fold}: ${(plan.totalMs / 60_000).toFixed(1)} min (${Math.round(performance.now() - started)} ms)`,
    );
  }
  await embedder.dispose();
  const talkDayOf = (d: TalkDayDecision) =>
    dayFiguresOf(days.map((day) => ({ plan: day.plan, events: day.events[d] })));
  const talkDay = {
    head: talkDayOf("head"),
    "head before issue 18": talkDayOf("head before issue 18"),
    "rule detector": talkDayOf("rule detector"),
  };
  // The head shipped before issue 18 (its recipe, its fixed rule), on the same held-out folds.
  const previousFigures = Array.from({ length: FOLD_COUNT }, (_, fold) =>
    ruleFigures(
      before.recordings.filter((r) => r.fold === fold),
      PREVIOUS_RULE,
    ),
  );

  // Calibration on those events; the shipped onset then reads as a round number (the shift moves by at
  // most half a percent to make it one).
  const fitted = fitPlatt(calibrationPeaks, calibrationOutcomes);
  const onset = Math.round(100 * calibrated(fitted, chosen.onsetThreshold)) / 100;
  const calibration: Calibration = {
    scale: fitted.scale,
    shift: logitOf(onset) - fitted.scale * logitOf(chosen.onsetThreshold),
  };
  const reliability = reliabilityTable(
    calibrationPeaks.map((z) => calibratedLogit(calibration, z)),
    calibrationOutcomes,
  );

  const head = trainMilHead(
    items.filter((item) => !item.suspect),
    { ...DEFAULT_LOGISTIC_OPTIONS, l2: best.recipe.l2 },
    best.recipe.mil,
  );
  const artifact = toArtifact(head, chosen, calibration, best.recipe);
  const report: TrainingReport = {
    recipe: best.recipe.name,
    search: search.map(({ name, chosen, figures }) => ({ name, chosen, figures })),
    chosen,
    tradeOff: trade,
    calibration: {
      ...calibration,
      rawOnsetThreshold: chosen.onsetThreshold,
      events: calibrationOutcomes.length,
      reliability,
    },
    shippedEvents: artifact.events,
    perFold,
    parts,
    streams,
    falsePositivesByLabel,
    negativesByLabel,
    headFalsePositives: oofRecordings
      .filter((r) => r.stream === undefined && !r.isLaughter && decisions.get(r)?.head)
      .map((r) => r.id),
    headFalseNegatives: oofRecordings.filter((r) => r.isLaughter && !decisions.get(r)?.head).map((r) => r.id),
    talkDay,
    previous: { rule: PREVIOUS_RULE, perFold: previousFigures },
  };
  return { artifact, report, recordings, folds };
}

/** Does event `e` overlap (±1 s) a laugh placed in the day? */
function isLaughEvent(e: LaughterEvent, plan: DayPlan): boolean {
  return plan.placements.some(
    (p) => p.recording.isLaughter && e.startMs < p.endMs + 1000 && e.endMs > p.startMs - 1000,
  );
}

function dayFiguresOf(days: readonly { plan: DayPlan; events: readonly LaughterEvent[] }[]) {
  const joined = joinDays(days);
  return dayFigures(joined.events, joined.plan);
}

/** Recipe order: the criterion of pickHeadParameters on the figures of each recipe's chosen rule. */
function betterRecipe(f: RuleFigures, g: RuleFigures): boolean {
  const excess = (x: RuleFigures) => Math.max(0, x.speech.perHour - 1) + Math.max(0, x.ambient.perHour - 1);
  return excess(f) < excess(g) || (excess(f) === excess(g) && f.clips.f1 > g.clips.f1);
}

/** Calibrated peak in bins of 0.2: events, laughs among them. */
function reliabilityTable(peaks: readonly number[], outcomes: readonly boolean[]) {
  const bins = [0, 0.2, 0.4, 0.6, 0.8].map((from) => ({ from, to: from + 0.2, events: 0, laughs: 0 }));
  for (const [k, p] of peaks.entries()) {
    const bin = bins[Math.min(bins.length - 1, Math.floor(p / 0.2))];
    bin.events++;
    if (outcomes[k]) bin.laughs++;
  }
  return bins.map((b) => ({ ...b, to: round(b.to) }));
}

function round(x: number): number {
  return Number(x.toPrecision(7));
}

/** The committed artifact: calibrated weights on raw embeddings, the event rule, how it was trained. */
export function toArtifact(
  head: LogisticModel,
  events: HeadEventParameters,
  calibration: Calibration,
  recipe: TrainingRecipe,
): HeadArtifact {
  const weights = Array.from(head.weights, (w) => round(calibration.scale * w));
  const bias = round(calibration.scale * head.bias + calibration.shift);
  return {
    schemaVersion: 2,
    version: headVersion(weights, bias),
    kind: "logistic",
    inputName: "embeddings",
    embeddingSize: weights.length,
    weights,
    bias,
    events: {
      onsetThreshold: round(calibrated(calibration, events.onsetThreshold)),
      offsetThreshold: round(calibrated(calibration, events.offsetThreshold)),
      minDurationMs: events.minDurationMs,
      mergeGapMs: events.mergeGapMs,
    },
    calibration: {
      method: "Platt scaling on held-out talk-day events (peak → laugh or not)",
      scale: round(calibration.scale),
      shift: round(calibration.shift),
      rawOnsetThreshold: events.onsetThreshold,
      rawOffsetThreshold: round(events.offsetThreshold),
    },
    training: {
      command: "npm run train",
      seed: SEED,
      folds: FOLD_COUNT,
      recipe: recipe.name,
      weakLabels: `top ${recipe.mil.topFraction * 100} % of a laughter recording's patches with YAMNet's laughter score ≥ ${recipe.mil.teacherGate} × its highest${recipe.mil.speechGate ? " and ≥ its speech score" : ""}, ranked by that score, then by the round-1 head`,
      negatives: `clips (16 patches each) and daylife speech/ambient (${recipe.mil.streamShare} × the clips' weight, ${recipe.mil.hardNegatives} hardest patches per file in round 2)`,
      l2: recipe.l2,
      iterations: DEFAULT_LOGISTIC_OPTIONS.iterations,
      learningRate: DEFAULT_LOGISTIC_OPTIONS.learningRate,
      suspectClipsInTraining: false,
    },
  };
}

/** The data manifest: which recordings, which group and fold, no audio. */
export function dataManifest(recordings: readonly PoolRecording[], folds: readonly number[]): string {
  const rows = recordings.map(
    (r, k) =>
      `${r.id},${r.sha256},${r.group},${folds[k]},${r.label},${Number(r.isLaughter)},${Number(r.suspect)}`,
  );
  return ["file,sha256,group,fold,label,is_laughter,suspect", ...rows].join("\n") + "\n";
}

export const HEAD_DIR = join(MODELS_DIR, "head");

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { shared: { type: "string" } } });
  const sharedDir = resolve(
    values.shared ?? process.env.GIGGLES_SHARED_DIR ?? join(MODELS_DIR, "..", "..", "shared"),
  );
  const started = performance.now();
  const log = (m: string) => console.error(`[train] ${m}`);
  const { artifact, report, recordings, folds } = await train(sharedDir, log);
  writeFileSync(join(HEAD_DIR, "laughter-head.json"), `${JSON.stringify(artifact, null, 1)}\n`);
  writeFileSync(join(HEAD_DIR, "metrics.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(HEAD_DIR, "data-manifest.csv"), dataManifest(recordings, folds));
  const markdown = formatReport(report);
  writeFileSync(
    join(HEAD_DIR, "cv-report.md"),
    `# Grouped CV (generated by \`npm run train\`)\n\n${markdown}\n`,
  );
  const metricsPath = join(HEAD_DIR, "METRICS.md");
  writeFileSync(metricsPath, withGeneratedReport(readFileSync(metricsPath, "utf8"), markdown));
  console.log(markdown);
  log(`done in ${Math.round((performance.now() - started) / 1000)} s; wrote ${HEAD_DIR}`);
  log(
    `head ${artifact.version}; sha256 of weights file ${createHash("sha256")
      .update(readFileSync(join(HEAD_DIR, "laughter-head.json")))
      .digest("hex")
      .slice(0, 12)}`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
