/**
 * @module
 * What every experiment starts from: the training pool, the dev set and daylife with their grouped folds,
 * embedded from `npm run train`'s cache (models/build/head-cache/; run it first), and the training copies.
 * The embedder stays open for the talk days; the caller disposes of it.
 */
import { join, resolve } from "node:path";
import { SAMPLE_RATE_HZ } from "../../shared/yamnet/constants.ts";
import { seededRandom } from "../../tooling/seeded-random.ts";
import { mixAtSnr } from "../src/head/augment.ts";
import { createTrainingEmbedder, decodeFile, type Embedder } from "../src/head/embedder.ts";
import { buildItems, FOLD_COUNT, type PoolItem, SEED } from "../src/head/training-items.ts";
import { groupedFolds, loadDaylife, loadTrainingPool } from "../src/head/training-pool.ts";
import { MODELS_DIR } from "../src/model-paths.ts";

/**
 * The items `npm run train` trains and evaluates on (same folds, same seeded copies).
 *
 * @example const { items, embedder } = await experimentItems((m) => console.error(m));
 */
export async function experimentItems(
  log: (message: string) => void,
): Promise<{ items: PoolItem[]; embedder: Embedder }> {
  const sharedDir = resolve(process.env.GIGGLES_SHARED_DIR ?? join(MODELS_DIR, "..", "..", "shared"));
  const pool = loadTrainingPool(sharedDir);
  const daylife = loadDaylife(sharedDir);
  const folds = [...groupedFolds(pool, FOLD_COUNT, SEED), ...groupedFolds(daylife, FOLD_COUNT, SEED)];
  const embedder = await createTrainingEmbedder(log);
  return { items: await buildItems([...pool, ...daylife], folds, embedder, log), embedder };
}

/** SNRs (the confuser over the talk under it, dB) and mix length padding, as the laughs-in-talk mixes. */
const CONFUSER_SNRS_DB: readonly number[] = [0, 5, 10];
const CONFUSER_PAD_SAMPLES = Math.round(1.44 * SAMPLE_RATE_HZ);

/**
 * Round 3's follow-up: every non-laughter clip (cries, coughs, nose blowing, …; suspect clips left out)
 * mixed into a daylife speech or ambient file of its own fold at 0–10 dB, as a negative with every patch
 * (a short stream of its own, so round 2 mines it like the talk). Seeded; cached like every mix.
 */
export async function confusersInTalk(
  items: readonly PoolItem[],
  embedder: Embedder,
  log: (message: string) => void,
): Promise<PoolItem[]> {
  const random = seededRandom(SEED + 11);
  const originals = items.flatMap((item) => (item.original ? [{ item, r: item.original }] : []));
  const plans = originals
    .filter(({ r }) => !r.isLaughter && r.stream === undefined && !r.suspect)
    .flatMap(({ item, r }) => {
      const streams = originals.filter((o) => o.item.fold === item.fold && o.r.stream !== undefined);
      if (streams.length === 0) return [];
      const bg = streams[Math.floor(random() * streams.length)];
      const snrDb = CONFUSER_SNRS_DB[Math.floor(random() * CONFUSER_SNRS_DB.length)];
      const levelDb = -35 + 15 * random();
      return [{ item, r, bg, snrDb, levelDb, at: random() }];
    });
  // One stream decoded at a time: the mixes are grouped by their background.
  plans.sort((a, b) => a.bg.r.id.localeCompare(b.bg.r.id));
  const mixes: PoolItem[] = [];
  let decoded: { id: string; audio: Promise<Float32Array> } | undefined;
  for (const plan of plans) {
    const key = `confuser-talk:v1:${plan.r.sha256}:${plan.bg.r.sha256}:${plan.at.toFixed(6)}:${plan.snrDb}:${plan.levelDb.toFixed(3)}`;
    const features = await embedder.embed(key, async () => {
      if (decoded?.id !== plan.bg.r.id) decoded = { id: plan.bg.r.id, audio: decodeFile(plan.bg.r.path) };
      const talk = await decoded.audio;
      const clip = await decodeFile(plan.r.path);
      const length = clip.length + 2 * CONFUSER_PAD_SAMPLES;
      const start = Math.floor(plan.at * Math.max(0, talk.length - length));
      return mixAtSnr(clip, talk.slice(start, start + length), plan.snrDb, {
        padSamples: CONFUSER_PAD_SAMPLES,
        levelDb: plan.levelDb,
        offset: 0,
      });
    });
    mixes.push({
      isLaughter: false,
      features,
      fold: plan.item.fold,
      suspect: false,
      recipe: key,
      stream: true,
    });
    if (mixes.length % 50 === 0) log(`confusers in talk: ${mixes.length} of ${plans.length}`);
  }
  log(`confusers in talk: ${mixes.length} mixes`);
  return mixes;
}
