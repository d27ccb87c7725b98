/**
 * @module
 * `npm run train`: trains the laughter head on YAMNet's embeddings and reports it honestly.
 *
 * 1. Embeds every recording of the training pool and the dev set (cached in models/build/head-cache/).
 * 2. Builds seeded mixes: each laugh into speech from its own fold, into pink noise and into quiet room
 *    tone, at several SNRs; plus room-tone-only negatives. A mix belongs to its laugh's fold.
 * 3. Grouped 5-fold CV: per fold, a head (top-k MIL logistic regression, mil-head.ts) trained on the other
 *    folds predicts the held-out originals. The L2 strength, whether the suspect clips train, and the event
 *    parameters are chosen on these out-of-fold probabilities; each fold's reported figure uses event
 *    parameters chosen on the other folds.
 * 4. Trains the shipped head on everything and writes models/head/: laughter-head.json (weights + event
 *    parameters), metrics.json, METRICS.md, data-manifest.csv (names, hashes, groups, folds, labels).
 *
 * Deterministic (fixed seed, full-batch training). Flags: `--pendant` also runs the pendant-day evaluation
 * (pendant-day.ts), `--shared DIR` (default ../shared or GIGGLES_SHARED_DIR).
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LaughterEvent } from "../../../inference-node/src/engine/types.ts";
import { baselineSaysLaughter } from "../../../inference-node/src/events/dev-set.ts";
import { detectEvents, RULE_EVENT_OPTIONS } from "../../../inference-node/src/events/event-detector.ts";
import { PATCH_HOP_MS, PATCH_WINDOW_MS, SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { YAMNET_TFLITE_SHA256 } from "../build.ts";
import { DEFAULT_ONNX_PATH, MODELS_DIR } from "../model-paths.ts";
import { dbToGain, mixAtSnr, pinkNoise, roomTone } from "./augment.ts";
import {
  type EvaluatedRecording,
  type HeadEventParameters,
  headSaysLaughter,
  type Metrics,
  metricsOf,
  pickHeadParameters,
} from "./cross-validate.ts";
import { createEmbedder, decodeFile, type Embedder, scoreRows } from "./embedder.ts";
import { type HeadArtifact, headVersion } from "./head-artifact.ts";
import { DEFAULT_LOGISTIC_OPTIONS, type LogisticModel, type LogisticOptions } from "./logistic-regression.ts";
import {
  type HeadModel,
  headProbabilities,
  TOP_FRACTION,
  type TrainingItem,
  trainMilHead,
} from "./mil-head.ts";
import { opusRoundTrip } from "./opus-round-trip.ts";
import {
  type DayFigures,
  dayEvents,
  dayFigures,
  embedDay,
  joinDays,
  type PendantDay,
  planDay,
} from "./pendant-day.ts";
import { groupedFolds, loadTrainingPool, type PoolRecording } from "./training-pool.ts";

export const SEED = 20261201;
export const FOLD_COUNT = 5;
/** L2 strengths tried; the one with the best out-of-fold F1 is shipped. */
export const L2_GRID: readonly number[] = Object.freeze([0.01, 0.03]);
/**
 * Whether the suspect laughter clips (training pool README) train the head as positives; chosen with the
 * L2 strength. They are always evaluated.
 */
export const SUSPECT_IN_TRAINING_GRID: readonly boolean[] = Object.freeze([true, false]);
const SPEECH_LABELS = new Set(["speech", "speech_child", "conversation"]);
const MIX_PAD_SAMPLES = Math.round(1.44 * SAMPLE_RATE_HZ);
/** SNRs (the sound over its background, dB) a mix over speech, over pink noise, over room tone is made at. */
const SPEECH_SNRS_DB: readonly number[] = [0, 5, 10];
const NOISE_SNRS_DB: readonly number[] = [5, 10, 20];
const ROOM_TONE_SNR_DB = 25;
const BACKGROUND_SAMPLES = 20 * SAMPLE_RATE_HZ;
const pinkBackground = (seed: number): Float32Array => pinkNoise(BACKGROUND_SAMPLES, -30, seed);
const roomBackground = (seed: number): Float32Array => roomTone(BACKGROUND_SAMPLES, -50, seed);
/** Overall level of a mix, dBFS: −35 to −20. */
const mixLevelDb = (random: () => number): number => -35 + 15 * random();
const ROOM_TONE_CLIPS_PER_FOLD = 6;
const ROOM_TONE_CLIP_SAMPLES = 10 * SAMPLE_RATE_HZ;

/** A training item with where it came from. */
export interface PoolItem extends TrainingItem {
  fold: number;
  /** A suspect laughter clip (training pool README), or a mix made from one. */
  suspect: boolean;
  /** Original recordings are evaluated; mixes only train. */
  original?: PoolRecording;
  /** Which optional copy (AugmentOptions) this is; none for originals, laugh mixes and room tone. */
  copy?: { kind: "negative-mix" } | { kind: "pendant-copy" } | { kind: "speed"; factor: number };
  recipe: string;
}

/** Patches of a mix that overlap the laugh placed at [pad, pad + length) samples. */
function laughPatchRange(padSamples: number, laughSamples: number): { first: number; last: number } {
  const startMs = (padSamples * 1000) / SAMPLE_RATE_HZ;
  const endMs = ((padSamples + laughSamples) * 1000) / SAMPLE_RATE_HZ;
  const first = Math.max(0, Math.floor((startMs - PATCH_WINDOW_MS) / PATCH_HOP_MS) + 1);
  const last = Math.max(first, Math.ceil(endMs / PATCH_HOP_MS) - 1);
  return { first, last };
}

/** Which extra training copies {@link buildItems} makes (the laugh mixes and room-tone clips always). */
export interface AugmentOptions {
  /**
   * Every original once more as a pendant hears it: on quiet room tone with 1.44 s each side, 0 to −10 dB,
   * through Ogg Opus at 24 kbit/s and back.
   */
  pendantCopies: boolean;
  /**
   * Every negative mixed once like the laughs are (speech from its fold, pink noise or room tone, same
   * SNRs and levels), so a background is no sign of laughter.
   */
  negativeMixes: boolean;
  /** Speed factors every original is also played at (pitch and tempo together); empty for none. */
  speeds: readonly number[];
}

export const DEFAULT_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  pendantCopies: false,
  negativeMixes: false,
  speeds: Object.freeze([]),
});

/** `samples` played `factor` times as fast (linear interpolation; pitch moves with tempo). */
export function changeSpeed(samples: Float32Array, factor: number): Float32Array {
  const length = Math.max(1, Math.floor(samples.length / factor));
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const at = i * factor;
    const k = Math.floor(at);
    const frac = at - k;
    const a = samples[Math.min(k, samples.length - 1)];
    const b = samples[Math.min(k + 1, samples.length - 1)];
    out[i] = a + frac * (b - a);
  }
  return out;
}

/** Embeds the originals and builds the mixes. */
export async function buildItems(
  pool: readonly PoolRecording[],
  folds: readonly number[],
  embedder: Embedder,
  log: (message: string) => void,
  augment: AugmentOptions = DEFAULT_AUGMENT,
): Promise<PoolItem[]> {
  const items: PoolItem[] = [];
  for (const [k, r] of pool.entries()) {
    const features = await embedder.embed(`file:${r.sha256}`, () => decodeFile(r.path));
    items.push({
      isLaughter: r.isLaughter,
      features,
      fold: folds[k],
      original: r,
      recipe: r.id,
      suspect: r.suspect,
    });
  }
  log(`embedded ${pool.length} recordings`);
  const random = seededRandom(SEED);
  const pickOf = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const decoded = new Map<string, Promise<Float32Array>>();
  const samplesOf = (r: PoolRecording): Promise<Float32Array> => {
    const cached = decoded.get(r.id);
    if (cached) return cached;
    const next = decodeFile(r.path);
    decoded.set(r.id, next);
    return next;
  };
  for (const [k, r] of pool.entries()) {
    if (!r.isLaughter) continue;
    const fold = folds[k];
    const speech = pool.filter((s, j) => folds[j] === fold && SPEECH_LABELS.has(s.label));
    const levelDb = mixLevelDb(random);
    const recipes: { name: string; snrDb: number; background: () => Promise<Float32Array> }[] = [];
    const speechSnr = pickOf(SPEECH_SNRS_DB);
    if (speech.length > 0) {
      const bg = pickOf(speech);
      recipes.push({ name: `speech:${bg.sha256}`, snrDb: speechSnr, background: () => samplesOf(bg) });
    }
    const noiseSeed = Math.floor(random() * 2 ** 31);
    const noiseSnr = pickOf(NOISE_SNRS_DB);
    recipes.push({
      name: `pink:${noiseSeed}`,
      snrDb: noiseSnr,
      background: async () => pinkBackground(noiseSeed),
    });
    const toneSeed = Math.floor(random() * 2 ** 31);
    recipes.push({
      name: `room:${toneSeed}`,
      snrDb: ROOM_TONE_SNR_DB,
      background: async () => roomBackground(toneSeed),
    });
    for (const recipe of recipes) {
      const offset = Math.floor(random() * 5 * SAMPLE_RATE_HZ);
      const key = `mix:v1:${r.sha256}:${recipe.name}:${recipe.snrDb}:${offset}:${levelDb.toFixed(3)}`;
      const laughSamples = Math.round((items[k].features.durationMs * SAMPLE_RATE_HZ) / 1000);
      const features = await embedder.embed(key, async () =>
        mixAtSnr(await samplesOf(r), await recipe.background(), recipe.snrDb, {
          padSamples: MIX_PAD_SAMPLES,
          levelDb,
          offset,
        }),
      );
      items.push({
        isLaughter: true,
        features,
        fold,
        suspect: r.suspect,
        recipe: key,
        laughPatches: laughPatchRange(MIX_PAD_SAMPLES, laughSamples),
      });
    }
  }
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    for (let c = 0; c < ROOM_TONE_CLIPS_PER_FOLD; c++) {
      const seed = SEED + 1000 * fold + c;
      const levelDb = -75 + (35 * c) / (ROOM_TONE_CLIPS_PER_FOLD - 1);
      const key = `room-only:v1:${seed}:${levelDb}`;
      const features = await embedder.embed(key, async () => roomTone(ROOM_TONE_CLIP_SAMPLES, levelDb, seed));
      items.push({ isLaughter: false, features, fold, recipe: key, suspect: false });
    }
  }
  log(`built ${items.length - pool.length} mixes and room-tone clips`);
  if (augment.negativeMixes) {
    // A stream of its own, so the laugh mixes above keep their recipes.
    const negRandom = seededRandom(SEED + 1);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(negRandom() * list.length)];
    let made = 0;
    for (const [k, r] of pool.entries()) {
      if (r.isLaughter) continue;
      const fold = folds[k];
      const speech = pool.filter((s, j) => folds[j] === fold && SPEECH_LABELS.has(s.label) && s.id !== r.id);
      const levelDb = mixLevelDb(negRandom);
      const kind = pick(["speech", "pink", "room"] as const);
      const offset = Math.floor(negRandom() * 5 * SAMPLE_RATE_HZ);
      const seed = Math.floor(negRandom() * 2 ** 31);
      let name: string;
      let snrDb: number;
      let background: () => Promise<Float32Array>;
      if (kind === "speech" && speech.length > 0 && !SPEECH_LABELS.has(r.label)) {
        const bg = pick(speech);
        name = `speech:${bg.sha256}`;
        snrDb = pick(SPEECH_SNRS_DB);
        background = () => samplesOf(bg);
      } else if (kind === "room") {
        name = `room:${seed}`;
        snrDb = ROOM_TONE_SNR_DB;
        background = async () => roomBackground(seed);
      } else {
        name = `pink:${seed}`;
        snrDb = pick(NOISE_SNRS_DB);
        background = async () => pinkBackground(seed);
      }
      const key = `negmix:v1:${r.sha256}:${name}:${snrDb}:${offset}:${levelDb.toFixed(3)}`;
      const features = await embedder.embed(key, async () =>
        mixAtSnr(await samplesOf(r), await background(), snrDb, {
          padSamples: MIX_PAD_SAMPLES,
          levelDb,
          offset,
        }),
      );
      items.push({
        isLaughter: false,
        features,
        fold,
        suspect: false,
        recipe: key,
        copy: { kind: "negative-mix" },
      });
      made++;
    }
    log(`built ${made} negative mixes`);
  }
  if (augment.pendantCopies) {
    const copyRandom = seededRandom(SEED + 2);
    for (const [k, r] of pool.entries()) {
      const gainDb = -10 * copyRandom();
      const seed = Math.floor(copyRandom() * 2 ** 31);
      const key = `pendant-copy:v1:${r.sha256}:${gainDb.toFixed(3)}:${seed}`;
      const originalSamples = Math.round((items[k].features.durationMs * SAMPLE_RATE_HZ) / 1000);
      const features = await embedder.embed(key, async () => {
        const audio = await samplesOf(r);
        const bed = roomTone(audio.length + 2 * MIX_PAD_SAMPLES, -55, seed);
        const gain = dbToGain(gainDb);
        for (let i = 0; i < audio.length; i++) bed[MIX_PAD_SAMPLES + i] += gain * audio[i];
        return opusRoundTrip(bed);
      });
      items.push({
        isLaughter: r.isLaughter,
        features,
        fold: folds[k],
        suspect: r.suspect,
        recipe: key,
        copy: { kind: "pendant-copy" },
        ...(r.isLaughter ? { laughPatches: laughPatchRange(MIX_PAD_SAMPLES, originalSamples) } : {}),
      });
    }
    log(`built ${pool.length} pendant copies`);
  }
  for (const factor of augment.speeds) {
    for (const [k, r] of pool.entries()) {
      const key = `speed:v1:${r.sha256}:${factor}`;
      const features = await embedder.embed(key, async () => changeSpeed(await samplesOf(r), factor));
      items.push({
        isLaughter: r.isLaughter,
        features,
        fold: folds[k],
        suspect: r.suspect,
        recipe: key,
        copy: { kind: "speed", factor },
      });
    }
    log(`built ${pool.length} copies at speed ${factor}`);
  }
  return items;
}

/** An original recording as the clip-level evaluation sees it, with its out-of-fold head probabilities. */
export function evaluatedRecording(item: PoolItem, head: Float32Array): EvaluatedRecording {
  const r = item.original as PoolRecording;
  return {
    id: r.id,
    label: r.label,
    isLaughter: r.isLaughter,
    set: r.set,
    suspect: r.suspect,
    fold: item.fold,
    scores: scoreRows(item.features),
    durationMs: item.features.durationMs,
    head,
  };
}

/** Out-of-fold head probabilities of every original, and the fold heads, for one L2 strength. */
export function outOfFold(
  items: readonly PoolItem[],
  options: LogisticOptions,
): { probabilities: Map<PoolItem, Float32Array>; heads: HeadModel[] } {
  const probabilities = new Map<PoolItem, Float32Array>();
  const heads: HeadModel[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const head = trainMilHead(
      items.filter((item) => item.fold !== fold),
      options,
    );
    heads.push(head);
    for (const item of items) {
      if (item.fold === fold && item.original)
        probabilities.set(item, headProbabilities(head, item.features));
    }
  }
  return { probabilities, heads };
}

/** Fold `fold`'s pendant day: its held-out originals laid out among room tone (seeded), then embedded. */
export async function foldDay(
  items: readonly PoolItem[],
  fold: number,
  embedder: Embedder,
): Promise<PendantDay> {
  const held = items.filter((item) => item.fold === fold && item.original);
  const durations = new Map(held.map((item) => [item.original as PoolRecording, item.features.durationMs]));
  const seed = SEED + 7 * fold;
  const plan = planDay([...durations.keys()], durations, seed);
  return { plan, features: await embedDay(embedder, plan, fold, seed) };
}

/** Everything METRICS.md reports. */
export interface TrainingReport {
  l2: number;
  suspectInTraining: boolean;
  l2Search: { l2: number; suspectInTraining: boolean; f1: number }[];
  chosen: HeadEventParameters;
  parts: Record<string, Record<string, Metrics>>;
  perFold: {
    fold: number;
    chosen: HeadEventParameters;
    head: Metrics;
    rule: Metrics;
    today: Metrics;
    recordings: number;
    laughs: number;
  }[];
  falsePositivesByLabel: Record<string, Record<string, number>>;
  negativesByLabel: Record<string, number>;
  headFalsePositives: string[];
  headFalseNegatives: string[];
  pendantDay?: Record<string, DayFigures>;
}

const DECISIONS = ["head", "old rule", "today"] as const;

/** Runs the whole procedure and returns the shipped head and the report. */
export async function train(sharedDir: string, log: (message: string) => void) {
  const pool = loadTrainingPool(sharedDir);
  const folds = groupedFolds(pool, FOLD_COUNT, SEED);
  const embedder = await createEmbedder(
    DEFAULT_ONNX_PATH,
    `yamnet-tflite:${YAMNET_TFLITE_SHA256}:embeddings-v1`,
  );
  const items = await buildItems(pool, folds, embedder, log);

  const originals = items.filter((i) => i.original !== undefined);
  const evaluated = (oof: Map<PoolItem, Float32Array>): EvaluatedRecording[] =>
    originals.map((item) =>
      evaluatedRecording(item, oof.get(item) ?? new Float32Array(item.features.patchCount)),
    );

  // L2 strength: best pooled out-of-fold F1 (event parameters picked on the same out-of-fold output).
  const l2Search: {
    l2: number;
    suspectInTraining: boolean;
    f1: number;
    recordings: EvaluatedRecording[];
    heads: HeadModel[];
  }[] = [];
  const trainable = (suspectInTraining: boolean) =>
    items.filter((item) => suspectInTraining || !item.suspect);
  for (const suspectInTraining of SUSPECT_IN_TRAINING_GRID)
    for (const l2 of L2_GRID) {
      const started = performance.now();
      const trainingItems = trainable(suspectInTraining);
      const { heads } = outOfFold(trainingItems, { ...DEFAULT_LOGISTIC_OPTIONS, l2 });
      const probabilities = new Map(
        items
          .filter((item) => item.original)
          .map((item) => [item, headProbabilities(heads[item.fold], item.features)]),
      );
      const recordings = evaluated(probabilities);
      const { metrics } = pickHeadParameters(recordings);
      l2Search.push({ l2, suspectInTraining, f1: metrics.f1, recordings, heads });
      log(
        `l2 ${l2}, suspect clips ${suspectInTraining ? "in" : "out of"} training: out-of-fold F1 ${metrics.f1.toFixed(3)} (${Math.round(performance.now() - started)} ms)`,
      );
    }
  const best = l2Search.reduce((a, b) => (b.f1 > a.f1 ? b : a));
  const recordings = best.recordings;
  const { chosen } = pickHeadParameters(recordings);

  // Each fold judged with event parameters chosen on the other folds' out-of-fold output.
  const decisions = new Map<EvaluatedRecording, Record<(typeof DECISIONS)[number], boolean>>();
  const perFold: TrainingReport["perFold"] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const held = recordings.filter((r) => r.fold === fold);
    const foldChoice = pickHeadParameters(recordings.filter((r) => r.fold !== fold)).chosen;
    for (const r of held) {
      decisions.set(r, {
        head: headSaysLaughter(r, foldChoice),
        "old rule": baselineSaysLaughter(r.scores),
        today: detectEvents(r.scores, RULE_EVENT_OPTIONS, r.durationMs).length > 0,
      });
    }
    const labels = held.map((r) => r.isLaughter);
    const m = (d: (typeof DECISIONS)[number]) =>
      metricsOf(
        labels,
        held.map((r) => decisions.get(r)?.[d] === true),
      );
    perFold.push({
      fold,
      chosen: foldChoice,
      head: m("head"),
      rule: m("old rule"),
      today: m("today"),
      recordings: held.length,
      laughs: labels.filter(Boolean).length,
    });
  }
  const partOf = (filter: (r: EvaluatedRecording) => boolean): Record<string, Metrics> => {
    const subset = recordings.filter(filter);
    return Object.fromEntries(
      DECISIONS.map((d) => [
        d,
        metricsOf(
          subset.map((r) => r.isLaughter),
          subset.map((r) => decisions.get(r)?.[d] === true),
        ),
      ]),
    );
  };
  const parts = {
    "train + dev": partOf(() => true),
    "train + dev without suspect clips": partOf((r) => !r.suspect),
    train: partOf((r) => r.set === "train"),
    "train without suspect clips": partOf((r) => r.set === "train" && !r.suspect),
    dev: partOf((r) => r.set === "dev"),
  };
  const falsePositivesByLabel: Record<string, Record<string, number>> = {};
  const negativesByLabel: Record<string, number> = {};
  for (const r of recordings) {
    if (r.isLaughter) continue;
    negativesByLabel[r.label] = (negativesByLabel[r.label] ?? 0) + 1;
    for (const d of DECISIONS) {
      if (decisions.get(r)?.[d]) {
        falsePositivesByLabel[d] ??= {};
        falsePositivesByLabel[d][r.label] = (falsePositivesByLabel[d][r.label] ?? 0) + 1;
      }
    }
  }
  const report: TrainingReport = {
    l2: best.l2,
    suspectInTraining: best.suspectInTraining,
    l2Search: l2Search.map(({ l2, suspectInTraining, f1 }) => ({ l2, suspectInTraining, f1 })),
    chosen,
    parts,
    perFold,
    falsePositivesByLabel,
    negativesByLabel,
    headFalsePositives: recordings.filter((r) => !r.isLaughter && decisions.get(r)?.head).map((r) => r.id),
    headFalseNegatives: recordings.filter((r) => r.isLaughter && !decisions.get(r)?.head).map((r) => r.id),
  };

  // The pendant day: each fold's held-out recordings among room tone, Opus 24 kbit/s, scored by the head
  // trained without that fold with the event parameters chosen without it.
  const days: { plan: ReturnType<typeof planDay>; events: Record<"head" | "today", LaughterEvent[]> }[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const started = performance.now();
    const { plan, features } = await foldDay(items, fold, embedder);
    days.push({ plan, events: dayEvents(features, best.heads[fold], perFold[fold].chosen) });
    log(
      `pendant day, fold ${fold}: ${(plan.totalMs / 60_000).toFixed(1)} min (${Math.round(performance.now() - started)} ms)`,
    );
  }
  await embedder.dispose();
  report.pendantDay = Object.fromEntries(
    (["head", "today"] as const).map((d) => {
      const joined = joinDays(days.map((day) => ({ plan: day.plan, events: day.events[d] })));
      return [d, dayFigures(joined.events, joined.plan)];
    }),
  );

  const options: LogisticOptions = { ...DEFAULT_LOGISTIC_OPTIONS, l2: best.l2 };
  const head = trainMilHead(trainable(best.suspectInTraining), options);
  if ("w1" in head) throw new Error("train: an MLP head cannot be written as a logistic artifact");
  const artifact = toArtifact(head, chosen, options, best.suspectInTraining);
  return { artifact, report, pool, folds, items, options, recordings };
}

function round(x: number): number {
  return Number(x.toPrecision(7));
}

/** The committed artifact: weights on raw embeddings, the event parameters, how it was trained. */
export function toArtifact(
  head: LogisticModel,
  events: HeadEventParameters,
  options: LogisticOptions,
  suspectInTraining: boolean,
): HeadArtifact {
  const weights = Array.from(head.weights, round);
  const bias = round(head.bias);
  return {
    schemaVersion: 1,
    version: headVersion(weights, bias),
    kind: "logistic",
    inputName: "embeddings",
    embeddingSize: weights.length,
    weights,
    bias,
    events: {
      onsetThreshold: events.onsetThreshold,
      offsetThreshold: round(events.offsetThreshold),
      minDurationMs: events.minDurationMs,
      mergeGapMs: events.mergeGapMs,
    },
    training: {
      command: "npm run train",
      seed: SEED,
      folds: FOLD_COUNT,
      weakLabels: `top-k MIL: top ${TOP_FRACTION * 100}% of a laughter recording's patches, ranked by YAMNet's laughter score, then re-ranked by the round-1 head`,
      l2: options.l2,
      iterations: options.iterations,
      learningRate: options.learningRate,
      suspectClipsInTraining: suspectInTraining,
    },
  };
}

const f3 = (x: number): string => x.toFixed(3);

/** METRICS.md's tables. */
export function formatReport(report: TrainingReport): string {
  const lines: string[] = [];
  const c = report.chosen;
  lines.push(
    `Shipped event parameters (chosen on all out-of-fold output): onset ${c.onsetThreshold}, offset ${round(c.offsetThreshold)}, min ${c.minDurationMs} ms, merge gap ${c.mergeGapMs} ms; L2 ${report.l2}, suspect clips ${report.suspectInTraining ? "in" : "out of"} training (search, out-of-fold F1: ${report.l2Search.map((s) => `L2 ${s.l2} suspect ${s.suspectInTraining ? "in" : "out"} → ${f3(s.f1)}`).join(", ")}).`,
    "",
    "| part | decision | TP | FP | FN | TN | P | R | F1 |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const [part, byDecision] of Object.entries(report.parts)) {
    for (const [d, m] of Object.entries(byDecision)) {
      lines.push(
        `| ${part} | ${d} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} | ${f3(m.precision)} | ${f3(m.recall)} | ${f3(m.f1)} |`,
      );
    }
  }
  lines.push(
    "",
    "| fold | recordings | laughs | head params (chosen on other folds) | head F1 | old rule F1 | today F1 |",
    "|---|---|---|---|---|---|---|",
  );
  for (const f of report.perFold) {
    lines.push(
      `| ${f.fold} | ${f.recordings} | ${f.laughs} | onset ${f.chosen.onsetThreshold} / offset ${round(f.chosen.offsetThreshold)} / min ${f.chosen.minDurationMs} / gap ${f.chosen.mergeGapMs} | ${f3(f.head.f1)} (P ${f3(f.head.precision)}) | ${f3(f.rule.f1)} | ${f3(f.today.f1)} |`,
    );
  }
  const labels = Object.keys(report.negativesByLabel).sort();
  lines.push(
    "",
    "False positives per negative label (out of fold):",
    "",
    `| label | negatives | ${DECISIONS.join(" | ")} |`,
    `|---|---|${DECISIONS.map(() => "---").join("|")}|`,
  );
  for (const label of labels) {
    lines.push(
      `| ${label} | ${report.negativesByLabel[label]} | ${DECISIONS.map((d) => report.falsePositivesByLabel[d]?.[label] ?? 0).join(" | ")} |`,
    );
  }
  if (report.pendantDay) {
    lines.push(
      "",
      "Pendant day (each fold's held-out recordings among room tone, Ogg Opus 24 kbit/s; head trained without the fold):",
      "",
      "| decision | hours | laughs found | recall | recall without suspect | events per found laugh | onset error median / p90 | offset error median / p90 | false laughs | per hour | false laughs by label |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const [d, f] of Object.entries(report.pendantDay)) {
      lines.push(
        `| ${d} | ${f.hours.toFixed(2)} | ${f.found}/${f.laughs} | ${f3(f.recall)} | ${f3(f.foundClean / f.laughsClean)} (${f.foundClean}/${f.laughsClean}) | ${f.eventsPerFoundLaugh.toFixed(2)} | ${(f.onsetErrorMs.median / 1000).toFixed(2)} s / ${(f.onsetErrorMs.p90 / 1000).toFixed(2)} s | ${(f.offsetErrorMs.median / 1000).toFixed(2)} s / ${(f.offsetErrorMs.p90 / 1000).toFixed(2)} s | ${f.falseLaughs} | ${f.falseLaughsPerHour.toFixed(2)} | ${
          Object.entries(f.falseByLabel)
            .map(([l, n]) => `${l} ${n}`)
            .join(", ") || "–"
        } |`,
      );
    }
  }
  lines.push(
    "",
    `Head false positives: ${report.headFalsePositives.join(", ") || "–"}`,
    "",
    `Head false negatives: ${report.headFalseNegatives.join(", ") || "–"}`,
  );
  return lines.join("\n");
}

/** The data manifest: which recordings, which group and fold, no audio. */
export function dataManifest(pool: readonly PoolRecording[], folds: readonly number[]): string {
  const rows = pool.map(
    (r, k) =>
      `${r.id},${r.sha256},${r.group},${folds[k]},${r.label},${Number(r.isLaughter)},${Number(r.suspect)}`,
  );
  return ["file,sha256,group,fold,label,is_laughter,suspect", ...rows].join("\n") + "\n";
}

export const HEAD_DIR = join(MODELS_DIR, "head");

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { shared: { type: "string" }, pendant: { type: "boolean", default: false } },
  });
  const sharedDir = resolve(
    values.shared ?? process.env.GIGGLES_SHARED_DIR ?? join(MODELS_DIR, "..", "..", "shared"),
  );
  const started = performance.now();
  const log = (m: string) => console.error(`[train] ${m}`);
  const { artifact, report, pool, folds } = await train(sharedDir, log);
  writeFileSync(join(HEAD_DIR, "laughter-head.json"), `${JSON.stringify(artifact, null, 1)}\n`);
  writeFileSync(join(HEAD_DIR, "metrics.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(HEAD_DIR, "data-manifest.csv"), dataManifest(pool, folds));
  const markdown = formatReport(report);
  writeFileSync(
    join(HEAD_DIR, "cv-report.md"),
    `# Grouped CV (generated by \`npm run train\`)\n\n${markdown}\n`,
  );
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
