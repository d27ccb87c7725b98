/**
 * @module
 * What the head trains and is judged on, per fold: every recording embedded once (training pool, dev set,
 * daylife), plus seeded training copies — each laugh mixed into speech from its own fold, into pink noise
 * and into quiet room tone, and into a daylife speech or ambient file of its own fold (issue 18: laughs
 * happen inside talk), and room-tone-only negatives. A copy belongs to its source's fold, so held-out audio
 * never trains.
 */
import { PATCH_HOP_MS, PATCH_WINDOW_MS, SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { mixAtSnr, pinkNoise, roomTone } from "./augment.ts";
import { decodeFile, type Embedder } from "./embedder.ts";
import type { TrainingItem } from "./mil-head.ts";
import type { PoolRecording } from "./training-pool.ts";

export const SEED = 20261201;
export const FOLD_COUNT = 5;
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

/**
 * Embeds the recordings (`folds` index-aligned with them) and builds the copies. Daylife's streams are
 * embedded whole and never copied.
 */
export async function buildItems(
  recordings: readonly PoolRecording[],
  folds: readonly number[],
  embedder: Embedder,
  log: (message: string) => void,
): Promise<PoolItem[]> {
  const items: PoolItem[] = [];
  for (const [k, r] of recordings.entries()) {
    const features = await embedder.embed(`file:${r.sha256}`, () => decodeFile(r.path));
    items.push({
      isLaughter: r.isLaughter,
      features,
      fold: folds[k],
      original: r,
      recipe: r.id,
      suspect: r.suspect,
      ...(r.stream ? { stream: true } : {}),
    });
  }
  log(`embedded ${recordings.length} recordings`);
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
  const mix = async (
    k: number,
    key: string,
    background: () => Promise<Float32Array>,
    snrDb: number,
    levelDb: number,
    offset: number,
  ): Promise<void> => {
    const r = recordings[k];
    const laughSamples = Math.round((items[k].features.durationMs * SAMPLE_RATE_HZ) / 1000);
    const features = await embedder.embed(key, async () =>
      mixAtSnr(await samplesOf(r), await background(), snrDb, {
        padSamples: MIX_PAD_SAMPLES,
        levelDb,
        offset,
      }),
    );
    items.push({
      isLaughter: true,
      features,
      fold: folds[k],
      suspect: r.suspect,
      recipe: key,
      laughPatches: laughPatchRange(MIX_PAD_SAMPLES, laughSamples),
    });
  };
  const laughs = [...recordings.keys()].filter((k) => recordings[k].isLaughter);
  for (const k of laughs) {
    const r = recordings[k];
    const fold = folds[k];
    const speech = recordings.filter((s, j) => folds[j] === fold && SPEECH_LABELS.has(s.label));
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
      await mix(k, key, recipe.background, recipe.snrDb, levelDb, offset);
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
  // Each laugh once more inside a daylife stream of its fold (a stream of its own, so the recipes above
  // stay). The stream is cut to a window around a random point so that only that window is decoded twice.
  const talkRandom = seededRandom(SEED + 3);
  for (const k of laughs) {
    const fold = folds[k];
    const streams = recordings.filter((s, j) => folds[j] === fold && s.stream !== undefined);
    if (streams.length === 0) continue;
    const bg = streams[Math.floor(talkRandom() * streams.length)];
    const snrDb = SPEECH_SNRS_DB[Math.floor(talkRandom() * SPEECH_SNRS_DB.length)];
    const levelDb = mixLevelDb(talkRandom);
    const at = talkRandom();
    const key = `talk-mix:v1:${recordings[k].sha256}:${bg.sha256}:${at.toFixed(6)}:${snrDb}:${levelDb.toFixed(3)}`;
    await mix(
      k,
      key,
      async () => {
        const audio = await decodeFile(bg.path);
        const start = Math.floor(at * Math.max(0, audio.length - BACKGROUND_SAMPLES));
        return audio.slice(start, start + BACKGROUND_SAMPLES);
      },
      snrDb,
      levelDb,
      0,
    );
  }
  log(`built ${items.length - recordings.length} mixes and room-tone clips`);
  return items;
}
