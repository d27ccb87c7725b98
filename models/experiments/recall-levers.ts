/**
 * @module
 * Experiment (issue 18, round 2; never feeds the shipped model): why held-out laughs are missed, and which
 * lever raises recall at the same false-laugh bars. Reuses `npm run train`'s cache (run it first).
 *
 * For each variant (training recipe × logit smoothing × event-rule grid): out-of-fold heads, each fold
 * judged with the rule chosen on the other folds (the shipped criterion: ≤ 1 false laugh per hour of
 * speech and of ambient, then clip F1), and each fold's talk day scored with that rule.
 *
 * node bin/run-ts.mjs models/experiments/recall-levers.ts [--diagnose] [--variants a,b] > .tmp/levers.log
 */
import { parseArgs } from "node:util";
import type { LaughterEvent } from "../../inference-node/src/engine/types.ts";
import { detectEvents } from "../../inference-node/src/events/event-detector.ts";
import { PATCH_HOP_MS } from "../../shared/yamnet/constants.ts";
import {
  type EvaluatedRecording,
  type HeadEventParameters,
  headCandidates,
  headEvents,
  isPoolClip,
  metricsOf,
  pickHeadParameters,
} from "../src/head/cross-validate.ts";
import {
  type Embedder,
  embeddingRow,
  type PatchFeatures,
  scoreRow,
  scoreRows,
} from "../src/head/embedder.ts";
import { DEFAULT_LOGISTIC_OPTIONS, type LogisticModel, sigmoid } from "../src/head/logistic-regression.ts";
import {
  headLogit,
  type MilOptions,
  positiveCandidates,
  roundTwoInstances,
  SPEECH_CLASS_ID,
  teacherScore,
  trainMilHead,
} from "../src/head/mil-head.ts";
import { type DayPlan, dayFigures, joinDays } from "../src/head/talk-day.ts";
import { evaluatedRecording, foldTalkDay, TRAINING_GRID } from "../src/head/train.ts";
import { FOLD_COUNT, type PoolItem, SEED } from "../src/head/training-items.ts";
import { gridCandidates } from "../src/head/tune-events.ts";
import { experimentItems } from "./experiment-items.ts";
import { mlpLogit, trainMlp } from "./mlp-head.ts";

const SHIPPED = TRAINING_GRID[TRAINING_GRID.length - 1];

/** Per patch logits of a trained head. */
type Scorer = (features: PatchFeatures) => Float64Array;

interface Recipe {
  name: string;
  mil: MilOptions;
  l2: number;
  /** Round 2 by a one-hidden-layer MLP of this many units instead of the logistic head. */
  hidden?: number;
}

const RECIPES: Record<string, Recipe> = {
  shipped: { name: "shipped (gate ½, speech gate, top 50 %, hard 32)", mil: SHIPPED.mil, l2: SHIPPED.l2 },
  gate25: { name: "gate ¼, speech gate", mil: { ...SHIPPED.mil, teacherGate: 0.25 }, l2: SHIPPED.l2 },
  nospeech: { name: "gate ½, no speech gate", mil: { ...SHIPPED.mil, speechGate: false }, l2: SHIPPED.l2 },
  top100: { name: "gate ½, speech gate, all gated", mil: { ...SHIPPED.mil, topFraction: 1 }, l2: SHIPPED.l2 },
  hard64: { name: "shipped, hard 64", mil: { ...SHIPPED.mil, hardNegatives: 64 }, l2: SHIPPED.l2 },
  l2low: { name: "shipped, l2 0.01", mil: SHIPPED.mil, l2: 0.01 },
  mlp16: { name: "shipped instances, MLP 16 ReLU", mil: SHIPPED.mil, l2: SHIPPED.l2, hidden: 16 },
  mlp16nospeech: {
    name: "gate ½, no speech gate, MLP 16 ReLU",
    mil: { ...SHIPPED.mil, speechGate: false },
    l2: SHIPPED.l2,
    hidden: 16,
  },
};

/** Logit post-processing before the event rule (what the engine would do on the `laughter` output). */
type Smoother = (z: Float64Array, features: PatchFeatures) => Float64Array;

/** A YAMNet speech veto: patches whose speech score (class 0) is at least `speech` and above their laughter score. */
function speechVeto(speech: number): Smoother {
  return (z, features) =>
    Float64Array.from(z, (v, i) => {
      const row = scoreRow(features, i);
      return row[SPEECH_CLASS_ID] >= speech && row[SPEECH_CLASS_ID] > teacherScore(features, i) ? -30 : v;
    });
}

const SMOOTHERS: Record<string, Smoother> = {
  veto50: speechVeto(0.5),
  veto80: speechVeto(0.8),
  none: (z) => z,
  mean3: (z) => movingMean(z, 1),
  mean5: (z) => movingMean(z, 2),
  // Centre patch and the mean of its two neighbours, halves: the same as mean3 weighted 1/2, 1/4, 1/4.
  tri3: (z) =>
    Float64Array.from(
      z,
      (v, i) => 0.5 * v + 0.25 * (z[Math.max(0, i - 1)] + z[Math.min(z.length - 1, i + 1)]),
    ),
  // max over ±1 of the mean3: bridges one low patch inside a laugh.
  maxmean3: (z) => movingMax(movingMean(z, 1), 1),
};

function movingMean(z: Float64Array, half: number): Float64Array {
  return Float64Array.from(z, (_, i) => {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(z.length - 1, i + half); j++) {
      sum += z[j];
      n++;
    }
    return sum / n;
  });
}

function movingMax(z: Float64Array, half: number): Float64Array {
  return Float64Array.from(z, (_, i) => {
    let best = Number.NEGATIVE_INFINITY;
    for (let j = Math.max(0, i - half); j <= Math.min(z.length - 1, i + half); j++)
      best = Math.max(best, z[j]);
    return best;
  });
}

const GRIDS: Record<string, HeadEventParameters[]> = {
  head: headCandidates(),
  wide: gridCandidates({
    onsetThreshold: [0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995],
    offsetRatio: [0.5, 0.8, 0.9, 0.95, 1],
    minDurationMs: [960, 1440, 1920],
    mergeGapMs: [0, 960, 1920],
  }),
};

function logitsOf(model: LogisticModel): Scorer {
  return (features) =>
    Float64Array.from({ length: features.patchCount }, (_, i) => headLogit(model, features, i));
}

/** Held-out figures of one variant. */
interface HeldOut {
  clips: ReturnType<typeof metricsOf>;
  speechPerHour: number;
  ambientPerHour: number;
  speechFalse: number;
  ambientFalse: number;
  dayRecall: number;
  dayFound: number;
  dayLaughs: number;
  dayFalsePerHour: number;
  dayFalse: number;
  rules: HeadEventParameters[];
  oofF1: number;
}

interface Day {
  plan: DayPlan;
  features: PatchFeatures;
  scores: Float32Array[];
}

async function talkDays(items: readonly PoolItem[], embedder: Embedder): Promise<Day[]> {
  const days: Day[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const { plan, features } = await foldTalkDay(items, fold, embedder);
    days.push({ plan, features, scores: scoreRows(features) });
  }
  return days;
}

/** Fold heads of a recipe (trained once, reused by every smoother and grid). */
function foldScorers(items: readonly PoolItem[], recipe: Recipe): Scorer[] {
  const trainable = items.filter((item) => !item.suspect);
  const options = { ...DEFAULT_LOGISTIC_OPTIONS, l2: recipe.l2 };
  const { hidden } = recipe;
  if (hidden !== undefined)
    return Array.from({ length: FOLD_COUNT }, (_, fold) => {
      const round2 = roundTwoInstances(
        trainable.filter((item) => item.fold !== fold),
        options,
        recipe.mil,
      );
      const model = trainMlp(round2.rows, round2.labels, round2.weights, {
        hidden,
        l2: recipe.l2,
        iterations: 300,
        learningRate: 0.01,
        seed: SEED + fold,
      });
      console.error(`[levers] mlp fold ${fold}: ${round2.rows.length} rows`);
      return (features: PatchFeatures) =>
        Float64Array.from({ length: features.patchCount }, (_, i) =>
          mlpLogit(model, embeddingRow(features, i)),
        );
    });
  return Array.from({ length: FOLD_COUNT }, (_, fold) =>
    logitsOf(
      trainMilHead(
        trainable.filter((item) => item.fold !== fold),
        { ...DEFAULT_LOGISTIC_OPTIONS, l2: recipe.l2 },
        recipe.mil,
      ),
    ),
  );
}

function heldOut(
  items: readonly PoolItem[],
  days: readonly Day[],
  scorers: readonly Scorer[],
  smooth: Smoother,
  grid: readonly HeadEventParameters[],
): { figures: HeldOut; recordings: EvaluatedRecording[]; dayProbabilities: Float32Array[] } {
  const recordings = items
    .filter((item) => item.original)
    .map((item) =>
      evaluatedRecording(
        item,
        Float32Array.from(smooth(scorers[item.fold](item.features), item.features), sigmoid),
      ),
    );
  const rules = Array.from(
    { length: FOLD_COUNT },
    (_, fold) =>
      pickHeadParameters(
        recordings.filter((r) => r.fold !== fold),
        grid,
      ).chosen,
  );
  const oofF1 = pickHeadParameters(recordings, grid).figures.clips.f1;
  const clips = recordings.filter(isPoolClip);
  const clipMetrics = metricsOf(
    clips.map((r) => r.isLaughter),
    clips.map((r) => headEvents(r, rules[r.fold]).length > 0),
  );
  let speechHours = 0;
  let ambientHours = 0;
  let speechFalse = 0;
  let ambientFalse = 0;
  for (const r of recordings) {
    if (r.stream === undefined) continue;
    const n = headEvents(r, rules[r.fold]).length;
    if (r.stream === "speech") {
      speechHours += r.durationMs / 3_600_000;
      speechFalse += n;
    } else {
      ambientHours += r.durationMs / 3_600_000;
      ambientFalse += n;
    }
  }
  const dayProbabilities: Float32Array[] = [];
  const dayEvents: { plan: DayPlan; events: LaughterEvent[] }[] = days.map((day, fold) => {
    const p = Float32Array.from(smooth(scorers[fold](day.features), day.features), sigmoid);
    dayProbabilities.push(p);
    return {
      plan: day.plan,
      events: detectEvents(day.scores, { detector: "head", ...rules[fold] }, day.features.durationMs, p),
    };
  });
  const joined = joinDays(dayEvents);
  const day = dayFigures(joined.events, joined.plan);
  return {
    recordings,
    dayProbabilities,
    figures: {
      clips: clipMetrics,
      speechPerHour: speechFalse / speechHours,
      ambientPerHour: ambientFalse / ambientHours,
      speechFalse,
      ambientFalse,
      dayRecall: day.recall,
      dayFound: day.found,
      dayLaughs: day.laughs,
      dayFalsePerHour: day.falseLaughsPerHour,
      dayFalse: day.falseLaughs,
      rules,
      oofF1,
    },
  };
}

const ruleLabel = (r: HeadEventParameters) =>
  `${r.onsetThreshold}/${Number(r.offsetThreshold.toFixed(4))}/${r.minDurationMs}/${r.mergeGapMs}`;

function row(name: string, f: HeldOut): string {
  const c = f.clips;
  return `| ${name} | ${c.precision.toFixed(3)} / ${c.recall.toFixed(3)} / ${c.f1.toFixed(3)} (TP ${c.tp}, FP ${c.fp}) | ${f.speechPerHour.toFixed(2)} (${f.speechFalse}) | ${f.ambientPerHour.toFixed(2)} (${f.ambientFalse}) | ${f.dayRecall.toFixed(3)} (${f.dayFound}/${f.dayLaughs}) at ${f.dayFalsePerHour.toFixed(2)}/h (${f.dayFalse}) | ${f.oofF1.toFixed(3)} | ${f.rules.map(ruleLabel).join(", ")} |`;
}

/** Why a laugh (a run of probabilities) is missed under `rule`. */
function whyMissed(
  p: ArrayLike<number>,
  scores: Float32Array[],
  rule: HeadEventParameters,
  durationMs: number,
) {
  let peak = 0;
  for (let i = 0; i < p.length; i++) peak = Math.max(peak, p[i]);
  if (peak < rule.onsetThreshold) return { reason: "peak below onset", peak, longestMs: 0, pieces: 0 };
  const loose = detectEvents(scores, { detector: "head", ...rule, minDurationMs: 0 }, durationMs, p);
  const longestMs = Math.max(0, ...loose.map((e) => e.endMs - e.startMs));
  const merged = detectEvents(
    scores,
    { detector: "head", ...rule, minDurationMs: 0, mergeGapMs: 10_000 },
    durationMs,
    p,
  );
  const mergedMs = Math.max(0, ...merged.map((e) => e.endMs - e.startMs));
  const reason = mergedMs >= rule.minDurationMs && loose.length > 1 ? "split" : "shorter than min length";
  return { reason, peak, longestMs, pieces: loose.length };
}

function diagnose(
  items: readonly PoolItem[],
  days: readonly Day[],
  result: ReturnType<typeof heldOut>,
  mil: MilOptions,
) {
  const { recordings, figures, dayProbabilities } = result;
  const byId = new Map(items.filter((i) => i.original).map((i) => [i.original?.id, i]));
  const out: string[] = ["## Held-out false-negative clips (shipped recipe, fold rules)", ""];
  out.push("| clip | fold | length s | patches | gated candidates | peak p | reason | longest ms | pieces |");
  out.push("|---|---|---|---|---|---|---|---|---|");
  const tally: Record<string, number> = {};
  for (const r of recordings) {
    if (!r.isLaughter || r.stream !== undefined) continue;
    const rule = figures.rules[r.fold];
    if (headEvents(r, rule).length > 0) continue;
    const item = byId.get(r.id);
    const candidates = item ? positiveCandidates(item, mil).length : -1;
    const why = whyMissed(r.head, r.scores, rule, r.durationMs);
    tally[why.reason] = (tally[why.reason] ?? 0) + 1;
    out.push(
      `| ${r.id}${r.suspect ? " (suspect)" : ""} | ${r.fold} | ${(r.durationMs / 1000).toFixed(1)} | ${r.head.length} | ${candidates} | ${why.peak.toFixed(3)} | ${why.reason} | ${why.longestMs} | ${why.pieces} |`,
    );
  }
  out.push("", `Clip tally: ${JSON.stringify(tally)}`, "");
  out.push("## Missed talk-day laughs", "");
  out.push("| fold | clip | length s | SNR dB | peak p | reason | longest ms | pieces |");
  out.push("|---|---|---|---|---|---|---|---|");
  const dayTally: Record<string, number> = {};
  const lengths: { missed: number[]; found: number[] } = { missed: [], found: [] };
  days.forEach((day, fold) => {
    const rule = figures.rules[fold];
    const p = dayProbabilities[fold];
    const events = detectEvents(day.scores, { detector: "head", ...rule }, day.features.durationMs, p);
    day.plan.placements.forEach((placement, k) => {
      if (!placement.recording.isLaughter) return;
      const hit = events.some(
        (e) => e.startMs < placement.endMs + 1000 && e.endMs > placement.startMs - 1000,
      );
      const lengthS = (placement.endMs - placement.startMs) / 1000;
      (hit ? lengths.found : lengths.missed).push(lengthS);
      if (hit) return;
      const first = Math.max(0, Math.floor((placement.startMs - 1000) / PATCH_HOP_MS) - 1);
      const last = Math.min(p.length - 1, Math.ceil((placement.endMs + 1000) / PATCH_HOP_MS));
      const why = whyMissed(
        p.subarray(first, last + 1),
        day.scores.slice(first, last + 1),
        rule,
        (last - first + 2) * PATCH_HOP_MS,
      );
      dayTally[why.reason] = (dayTally[why.reason] ?? 0) + 1;
      out.push(
        `| ${fold} | ${placement.recording.id}${placement.recording.suspect ? " (suspect)" : ""} | ${lengthS.toFixed(1)} | ${day.plan.snrsDb[k].toFixed(1)} | ${why.peak.toFixed(3)} | ${why.reason} | ${why.longestMs} | ${why.pieces} |`,
      );
    });
  });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  out.push(
    "",
    `Talk-day tally: ${JSON.stringify(dayTally)}; laugh length median: found ${median(lengths.found).toFixed(1)} s (${lengths.found.length}), missed ${median(lengths.missed).toFixed(1)} s (${lengths.missed.length})`,
  );
  return out.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      diagnose: { type: "boolean", default: false },
      recipes: { type: "string", default: "shipped" },
      smoothers: { type: "string", default: "none,mean3,mean5,tri3,maxmean3" },
      grids: { type: "string", default: Object.keys(GRIDS).join(",") },
    },
  });
  const log = (m: string) => console.error(`[levers] ${m}`);
  const { items, embedder } = await experimentItems(log);
  const days = await talkDays(items, embedder);
  await embedder.dispose();
  console.log(
    "| variant | clips P / R / F1 | speech /h | ambient /h | talk day recall at false /h | OOF selection F1 | fold rules |",
  );
  console.log("|---|---|---|---|---|---|---|");
  const diagnoses: string[] = [];
  for (const key of values.recipes.split(",")) {
    const recipe = RECIPES[key];
    if (recipe === undefined)
      throw new Error(`unknown recipe ${key}; one of ${Object.keys(RECIPES).join(", ")}`);
    const started = performance.now();
    const scorers = foldScorers(items, recipe);
    log(`${recipe.name}: trained in ${Math.round(performance.now() - started)} ms`);
    for (const smoother of values.smoothers.split(",")) {
      for (const grid of values.grids.split(",")) {
        const result = heldOut(items, days, scorers, SMOOTHERS[smoother], GRIDS[grid]);
        console.log(row(`${key} · ${smoother} · ${grid}`, result.figures));
        if (values.diagnose && smoother === "none" && grid === "head")
          diagnoses.push(diagnose(items, days, result, recipe.mil));
      }
    }
  }
  for (const d of diagnoses) console.log(`\n${d}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
