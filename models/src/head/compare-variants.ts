/**
 * @module
 * `node bin/run-ts.mjs models/src/head/compare-variants.ts`: the head variants tried after the shipped one,
 * on the same grouped folds, cached embeddings and mixes as `npm run train` (run it first). Each variant is
 * trained per fold without that fold; its figures use event parameters chosen on the other folds, exactly
 * as METRICS.md's tables. Prints a markdown table; nothing is written. Selection criterion: the pooled
 * out-of-fold F1 (the one `npm run train` maximises); the other columns are reported, never chosen on.
 */
import { join, resolve } from "node:path";
import { YAMNET_TFLITE_SHA256 } from "../build.ts";
import { DEFAULT_ONNX_PATH, MODELS_DIR } from "../model-paths.ts";
import {
  type EvaluatedRecording,
  headSaysLaughter,
  type Metrics,
  metricsOf,
  pickHeadParameters,
} from "./cross-validate.ts";
import { createEmbedder } from "./embedder.ts";
import { DEFAULT_LOGISTIC_OPTIONS } from "./logistic-regression.ts";
import { DEFAULT_MIL_OPTIONS, headProbabilities, type MilOptions, trainMilHead } from "./mil-head.ts";
import { buildItems, evaluatedRecording, FOLD_COUNT, type PoolItem, SEED } from "./train.ts";
import { groupedFolds, loadTrainingPool } from "./training-pool.ts";

/** One variant: the head's inputs, its L2 strength, its weak labels and weights, optional smoothing. */
export interface Variant {
  name: string;
  scoreClasses: readonly number[];
  l2: number;
  mil: MilOptions;
  /** Centred moving mean over this many patches applied to the head's probability (1: none). */
  smoothPatches: number;
}

/** Speech, babbling, screaming, laughter 13–18, crying 19, baby cry 20, whimper, wail, sigh. */
const CRY_SPEECH_LAUGH_CLASSES = Object.freeze([0, 4, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
const SHIPPED: Variant = {
  name: "shipped: embedding, top 50 %, L2 0.03",
  scoreClasses: [],
  l2: 0.03,
  mil: DEFAULT_MIL_OPTIONS,
  smoothPatches: 1,
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

/** Grouped-CV figures of one variant. */
export function evaluateVariant(items: readonly PoolItem[], variant: Variant) {
  const trainable = items.filter((item) => !item.suspect);
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
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const chosen = pickHeadParameters(recordings.filter((r) => r.fold !== fold)).chosen;
    for (const r of recordings.filter((r) => r.fold === fold)) says.set(r, headSaysLaughter(r, chosen));
  }
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
  };
}

async function main(): Promise<void> {
  const sharedDir = resolve(join(MODELS_DIR, "..", "..", "shared"));
  const pool = loadTrainingPool(sharedDir);
  const folds = groupedFolds(pool, FOLD_COUNT, SEED);
  const embedder = await createEmbedder(
    DEFAULT_ONNX_PATH,
    `yamnet-tflite:${YAMNET_TFLITE_SHA256}:embeddings-v1`,
  );
  const items = await buildItems(pool, folds, embedder, (m) => console.error(`[variants] ${m}`));
  await embedder.dispose();
  const f = (m: Metrics) => `${m.precision.toFixed(3)} / ${m.recall.toFixed(3)} / ${m.f1.toFixed(3)}`;
  console.log(
    "| variant | pooled out-of-fold F1 | train + dev P / R / F1 | without suspect | train | dev | dev FP / FN | crying-baby FP |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const variant of VARIANTS) {
    const started = performance.now();
    const v = evaluateVariant(items, variant);
    console.log(
      `| ${variant.name} | ${v.pooledF1.toFixed(3)} | ${f(v.all)} | ${f(v.allClean)} | ${f(v.train)} | ${f(v.dev)} | ${v.dev.fp} / ${v.dev.fn} | ${v.cryingBabyFalsePositives} |`,
    );
    console.error(`[variants] ${variant.name}: ${Math.round((performance.now() - started) / 1000)} s`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await main();
}
