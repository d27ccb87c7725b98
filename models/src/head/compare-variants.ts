/**
 * @module
 * `node bin/run-ts.mjs models/src/head/compare-variants.ts`: the head variants tried after the shipped one,
 * on the same grouped folds, cached embeddings and mixes as `npm run train` (run it first). Each variant is
 * trained per fold without that fold; its figures use event parameters chosen on the other folds, exactly
 * as METRICS.md's tables. Prints a markdown table; nothing is written. Selection criterion: the pooled
 * out-of-fold F1 (the one `npm run train` maximises); the other columns are reported, never chosen on.
 * `--round 2|3|4|5` picks METRICS.md's round (default 2; 4 builds the max-pooled analysis model), `--only i,j`
 * some of its rows. Every row also gets ΔF1 against the shipped head (paired group bootstrap) and the pendant day.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LaughterEvent } from "../../../inference-node/src/engine/types.ts";
import { loadTflite, YAMNET_TFLITE_SHA256 } from "../build.ts";
import { convertYamnet } from "../convert.ts";
import { DEFAULT_ONNX_PATH, MODEL_BUILD_DIR, MODELS_DIR } from "../model-paths.ts";
import {
  type EvaluatedRecording,
  headSaysLaughter,
  type Metrics,
  metricsOf,
  pickHeadParameters,
} from "./cross-validate.ts";
import { createEmbedder } from "./embedder.ts";
import { DEFAULT_LOGISTIC_OPTIONS } from "./logistic-regression.ts";
import {
  DEFAULT_MIL_OPTIONS,
  headProbabilities,
  MAX_POOLED,
  type MilOptions,
  NEIGHBOUR_MEAN,
  TEACHER_LOGIT,
  trainMilHead,
} from "./mil-head.ts";
import type { MlpOptions } from "./mlp.ts";
import { pairedF1Difference } from "./paired-bootstrap.ts";
import { dayFigures, headDayEvents, joinDays, type PendantDay, type planDay } from "./pendant-day.ts";
import {
  type AugmentOptions,
  buildItems,
  DEFAULT_AUGMENT,
  evaluatedRecording,
  FOLD_COUNT,
  foldDay,
  type PoolItem,
  SEED,
} from "./train.ts";
import { groupedFolds, loadTrainingPool } from "./training-pool.ts";

/** One variant: the head's inputs, its L2 strength, its weak labels and weights, optional smoothing. */
export interface Variant {
  name: string;
  scoreClasses: readonly number[];
  l2: number;
  mil: MilOptions;
  /** Centred moving mean over this many patches applied to the head's probability (1: none). */
  smoothPatches: number;
  /** Extra training copies (train.ts); the shipped head has none. */
  augment: AugmentOptions;
}

/** Speech, babbling, screaming, laughter 13–18, crying 19, baby cry 20, whimper, wail, sigh. */
const CRY_SPEECH_LAUGH_CLASSES = Object.freeze([0, 4, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
const SHIPPED: Variant = {
  name: "shipped: embedding, top 50 %, L2 0.03",
  scoreClasses: [],
  l2: 0.03,
  mil: DEFAULT_MIL_OPTIONS,
  smoothPatches: 1,
  augment: DEFAULT_AUGMENT,
};

export const VARIANTS: readonly Variant[] = Object.freeze([
  SHIPPED,
  { ...SHIPPED, name: "shipped, mean over 3 patches", smoothPatches: 3 },
  {
    ...SHIPPED,
    name: "+ 14 YAMNet scores (speech, laughter, crying, …)",
    scoreClasses: CRY_SPEECH_LAUGH_CLASSES,
  },
  {
    ...SHIPPED,
    name: "hard negatives (round 2 weight 1 + 3·max p)",
    mil: { ...DEFAULT_MIL_OPTIONS, hardNegativeBoost: 3 },
  },
  { ...SHIPPED, name: "negatives weigh 3× the positives", mil: { ...DEFAULT_MIL_OPTIONS, negativeShare: 3 } },
  { ...SHIPPED, name: "top 25 %", mil: { ...DEFAULT_MIL_OPTIONS, topFraction: 0.25 } },
  { ...SHIPPED, name: "top 35 %", mil: { ...DEFAULT_MIL_OPTIONS, topFraction: 0.35 } },
  { ...SHIPPED, name: "L2 0.1", l2: 0.1 },
]);

const BOTH: AugmentOptions = { ...DEFAULT_AUGMENT, pendantCopies: true, negativeMixes: true };
const NEGATIVE_MIXES: AugmentOptions = { ...DEFAULT_AUGMENT, negativeMixes: true };
const SPEEDS: AugmentOptions = { ...DEFAULT_AUGMENT, speeds: [0.9, 1.1] };
const TEACHER = [TEACHER_LOGIT];
const MLP: MlpOptions = { hidden: 32, l2: 1e-3, epochs: 20, batchSize: 128, learningRate: 1e-3, seed: SEED };
const withMlp = (mlp: MlpOptions): MilOptions => ({ ...DEFAULT_MIL_OPTIONS, mlp });
const top = (topFraction: number): MilOptions => ({ ...DEFAULT_MIL_OPTIONS, topFraction });

/**
 * Round 3: extra training copies (train.ts `AugmentOptions`), an MLP in round 2 (mlp.ts), YAMNet's own
 * laughter score as a logit next to the embedding, the neighbouring patches' mean embedding.
 */
export const ROUND_3_VARIANTS: readonly Variant[] = Object.freeze([
  SHIPPED,
  { ...SHIPPED, name: "+ negatives mixed", augment: NEGATIVE_MIXES },
  { ...SHIPPED, name: "+ pendant copies (Opus 24k)", augment: { ...DEFAULT_AUGMENT, pendantCopies: true } },
  { ...SHIPPED, name: "+ both", augment: BOTH },
  { ...SHIPPED, name: "+ both, L2 0.01", augment: BOTH, l2: 0.01 },
  { ...SHIPPED, name: "+ both, L2 0.1", augment: BOTH, l2: 0.1 },
  { ...SHIPPED, name: "+ both, top 25 %", augment: BOTH, mil: top(0.25) },
  { ...SHIPPED, name: "+ speed 0.9 / 1.1", augment: SPEEDS },
  {
    ...SHIPPED,
    name: "+ speed 0.85 / 0.93 / 1.08 / 1.18",
    augment: { ...DEFAULT_AUGMENT, speeds: [0.85, 0.93, 1.08, 1.18] },
  },
  { ...SHIPPED, name: "+ speed 0.9 / 1.1, + both", augment: { ...BOTH, speeds: [0.9, 1.1] } },
  { ...SHIPPED, name: "MLP 32, L2 1e-3", mil: withMlp(MLP) },
  { ...SHIPPED, name: "MLP 32, L2 1e-2", mil: withMlp({ ...MLP, l2: 1e-2 }) },
  { ...SHIPPED, name: "MLP 32, + both", augment: BOTH, mil: withMlp(MLP) },
  { ...SHIPPED, name: "+ teacher logit", scoreClasses: TEACHER },
  { ...SHIPPED, name: "+ teacher logit, L2 0.01", scoreClasses: TEACHER, l2: 0.01 },
  { ...SHIPPED, name: "+ teacher logit, L2 0.1", scoreClasses: TEACHER, l2: 0.1 },
  { ...SHIPPED, name: "+ teacher logit, top 25 %", scoreClasses: TEACHER, mil: top(0.25) },
  { ...SHIPPED, name: "+ teacher logit, + negatives mixed", scoreClasses: TEACHER, augment: NEGATIVE_MIXES },
  { ...SHIPPED, name: "+ teacher logit, + both", scoreClasses: TEACHER, augment: BOTH },
  { ...SHIPPED, name: "+ teacher logit, + speed 0.9 / 1.1", scoreClasses: TEACHER, augment: SPEEDS },
  { ...SHIPPED, name: "+ neighbours' mean embedding", scoreClasses: [NEIGHBOUR_MEAN] },
  {
    ...SHIPPED,
    name: "+ teacher logit, + neighbours' mean embedding",
    scoreClasses: [TEACHER_LOGIT, NEIGHBOUR_MEAN],
  },
]);

/** Round 4: the final feature map's max over positions next to its mean (an analysis model's output). */
export const ROUND_4_VARIANTS: readonly Variant[] = Object.freeze([
  { ...SHIPPED, name: "shipped (analysis model: same embeddings)" },
  { ...SHIPPED, name: "+ max-pooled embedding", scoreClasses: [MAX_POOLED] },
  { ...SHIPPED, name: "+ max-pooled embedding, L2 0.1", scoreClasses: [MAX_POOLED], l2: 0.1 },
  { ...SHIPPED, name: "+ max-pooled embedding, + teacher logit", scoreClasses: [MAX_POOLED, TEACHER_LOGIT] },
  { ...SHIPPED, name: "+ max-pooled embedding, L2 0.05", scoreClasses: [MAX_POOLED], l2: 0.05 },
  { ...SHIPPED, name: "+ max-pooled embedding, L2 0.2", scoreClasses: [MAX_POOLED], l2: 0.2 },
  { ...SHIPPED, name: "+ max-pooled embedding, L2 0.3", scoreClasses: [MAX_POOLED], l2: 0.3 },
  {
    ...SHIPPED,
    name: "+ max-pooled embedding, + teacher logit, L2 0.1",
    scoreClasses: [MAX_POOLED, TEACHER_LOGIT],
    l2: 0.1,
  },
]);

const lda = (shrinkage: number): MilOptions => ({ ...DEFAULT_MIL_OPTIONS, lda: { shrinkage } });

/** Round 5: shrinkage LDA in round 2 of the MIL training (still a linear head: ships like the shipped one). */
export const ROUND_5_VARIANTS: readonly Variant[] = Object.freeze([
  SHIPPED,
  { ...SHIPPED, name: "LDA, shrinkage 0.1", mil: lda(0.1) },
  { ...SHIPPED, name: "LDA, shrinkage 0.3", mil: lda(0.3) },
  { ...SHIPPED, name: "LDA, shrinkage 0.5", mil: lda(0.5) },
  { ...SHIPPED, name: "LDA, shrinkage 0.8", mil: lda(0.8) },
]);

/** Centred moving mean over `width` patches (odd), truncated at the ends. */
export function movingMean(p: Float32Array, width: number): Float32Array {
  if (width <= 1) return p;
  const half = (width - 1) / 2;
  return Float32Array.from(p, (_, i) => {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(p.length - 1, i + half); j++) {
      sum += p[j];
      n++;
    }
    return sum / n;
  });
}

/** Does `item` train under `augment`? Originals and the laugh mixes always do. */
export function usedBy(item: PoolItem, augment: AugmentOptions): boolean {
  switch (item.copy?.kind) {
    case undefined:
      return true;
    case "negative-mix":
      return augment.negativeMixes;
    case "pendant-copy":
      return augment.pendantCopies;
    case "speed":
      return augment.speeds.includes(item.copy.factor);
  }
}

/** Grouped-CV figures of one variant (and its pendant-day figures when `days` are given). */
export function evaluateVariant(
  items: readonly PoolItem[],
  variant: Variant,
  days: readonly PendantDay[] = [],
) {
  const trainable = items.filter((item) => !item.suspect && usedBy(item, variant.augment));
  const originals = items.filter((item) => item.original);
  const heads = Array.from({ length: FOLD_COUNT }, (_, fold) =>
    trainMilHead(
      trainable.filter((item) => item.fold !== fold),
      { ...DEFAULT_LOGISTIC_OPTIONS, l2: variant.l2 },
      variant.scoreClasses,
      variant.mil,
    ),
  );
  const recordings: EvaluatedRecording[] = originals.map((item) =>
    evaluatedRecording(
      item,
      movingMean(
        headProbabilities(heads[item.fold], item.features, variant.scoreClasses),
        variant.smoothPatches,
      ),
    ),
  );
  const pooled = pickHeadParameters(recordings).metrics;
  const says = new Map<EvaluatedRecording, boolean>();
  const dayRuns: { plan: ReturnType<typeof planDay>; events: LaughterEvent[] }[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const chosen = pickHeadParameters(recordings.filter((r) => r.fold !== fold)).chosen;
    for (const r of recordings.filter((r) => r.fold === fold)) says.set(r, headSaysLaughter(r, chosen));
    const day = days[fold];
    if (day === undefined) continue;
    const p = movingMean(
      headProbabilities(heads[fold], day.features, variant.scoreClasses),
      variant.smoothPatches,
    );
    dayRuns.push({ plan: day.plan, events: headDayEvents(day.features, p, chosen) });
  }
  const joined = dayRuns.length > 0 ? joinDays(dayRuns) : undefined;
  const part = (keep: (r: EvaluatedRecording) => boolean): Metrics => {
    const subset = recordings.filter(keep);
    return metricsOf(
      subset.map((r) => r.isLaughter),
      subset.map((r) => says.get(r) === true),
    );
  };
  return {
    pooledF1: pooled.f1,
    all: part(() => true),
    allClean: part((r) => !r.suspect),
    train: part((r) => r.set === "train"),
    dev: part((r) => r.set === "dev"),
    cryingBabyFalsePositives: recordings.filter((r) => r.label === "crying_baby" && says.get(r)).length,
    pendantDay: joined ? dayFigures(joined.events, joined.plan) : undefined,
    /** Each original's decision (event parameters chosen on the other folds), by recording id. */
    decisions: new Map(
      recordings.map((r) => [r.id, { isLaughter: r.isLaughter, says: says.get(r) === true }]),
    ),
  };
}

/** The analysis model (max-pooled embeddings as an extra output), built once from the TFLite file. */
async function maxPooledEmbedder() {
  const onnxPath = join(MODEL_BUILD_DIR, "yamnet-max-pooled.onnx");
  if (!existsSync(onnxPath)) {
    const { bytes } = await loadTflite();
    writeFileSync(onnxPath, convertYamnet(bytes, { maxPooledEmbeddings: true }).onnx);
  }
  return createEmbedder(
    onnxPath,
    `yamnet-tflite:${YAMNET_TFLITE_SHA256}:embeddings-max-v1`,
    join(MODEL_BUILD_DIR, "head-cache-max-pooled"),
    { maxPooled: true },
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { round: { type: "string", default: "2" }, only: { type: "string" } },
  });
  const rounds: Record<string, readonly Variant[]> = {
    "2": VARIANTS,
    "3": ROUND_3_VARIANTS,
    "4": ROUND_4_VARIANTS,
    "5": ROUND_5_VARIANTS,
  };
  const all = rounds[values.round];
  if (all === undefined) throw new Error(`--round must be one of ${Object.keys(rounds).join(", ")}`);
  const picked = values.only?.split(",").map(Number);
  const round = all.filter((_, k) => picked === undefined || picked.includes(k));

  const sharedDir = resolve(join(MODELS_DIR, "..", "..", "shared"));
  const pool = loadTrainingPool(sharedDir);
  const folds = groupedFolds(pool, FOLD_COUNT, SEED);
  const embedder =
    values.round === "4"
      ? await maxPooledEmbedder()
      : await createEmbedder(DEFAULT_ONNX_PATH, `yamnet-tflite:${YAMNET_TFLITE_SHA256}:embeddings-v1`);
  const log = (m: string) => console.error(`[variants] ${m}`);
  const augment: AugmentOptions = {
    pendantCopies: round.some((v) => v.augment.pendantCopies),
    negativeMixes: round.some((v) => v.augment.negativeMixes),
    speeds: [...new Set(round.flatMap((v) => v.augment.speeds))],
  };
  const items = await buildItems(pool, folds, embedder, log, augment);
  const days: PendantDay[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) days.push(await foldDay(items, fold, embedder));
  log("pendant days ready");
  await embedder.dispose();
  const f = (m: Metrics) => `${m.precision.toFixed(3)} / ${m.recall.toFixed(3)} / ${m.f1.toFixed(3)}`;
  console.log(
    "| variant | pooled out-of-fold F1 | train + dev P / R / F1 | ΔF1 vs shipped, 90 % | without suspect | train | dev | dev FP / FN | crying-baby FP | pendant day recall | false laughs per hour |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  // Every row is compared with the shipped head on the same recordings (paired-bootstrap.ts).
  const shippedFigures = evaluateVariant(items, SHIPPED, days);
  const shipped = shippedFigures.decisions;
  const groupOf = new Map(pool.map((r) => [r.id, r.group]));
  for (const variant of round) {
    const started = performance.now();
    const v = variant === SHIPPED ? shippedFigures : evaluateVariant(items, variant, days);
    const paired = [...v.decisions].map(([id, d]) => ({
      group: groupOf.get(id) ?? id,
      isLaughter: d.isLaughter,
      a: d.says,
      b: shipped.get(id)?.says === true,
    }));
    const delta = pairedF1Difference(paired, { resamples: 2000, seed: SEED });
    const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`;
    console.log(
      `| ${variant.name} | ${v.pooledF1.toFixed(3)} | ${f(v.all)} | ${signed(delta.median)} [${signed(delta.low)}, ${signed(delta.high)}] | ${f(v.allClean)} | ${f(v.train)} | ${f(v.dev)} | ${v.dev.fp} / ${v.dev.fn} | ${v.cryingBabyFalsePositives} | ${v.pendantDay ? `${v.pendantDay.recall.toFixed(3)} (${v.pendantDay.found}/${v.pendantDay.laughs})` : "–"} | ${v.pendantDay ? `${v.pendantDay.falseLaughsPerHour.toFixed(2)} (${v.pendantDay.falseLaughs})` : "–"} |`,
    );
    console.error(`[variants] ${variant.name}: ${Math.round((performance.now() - started) / 1000)} s`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await main();
}
