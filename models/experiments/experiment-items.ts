/**
 * @module
 * What every experiment starts from: the training pool, the dev set and daylife with their grouped folds,
 * embedded from `npm run train`'s cache (models/build/head-cache/; run it first), and the training copies.
 * The embedder stays open for the talk days; the caller disposes of it.
 */
import { join, resolve } from "node:path";
import { YAMNET_TFLITE_SHA256 } from "../src/build.ts";
import { createEmbedder, type Embedder } from "../src/head/embedder.ts";
import { buildItems, FOLD_COUNT, type PoolItem, SEED } from "../src/head/training-items.ts";
import { groupedFolds, loadDaylife, loadTrainingPool } from "../src/head/training-pool.ts";
import { DEFAULT_ONNX_PATH, MODELS_DIR } from "../src/model-paths.ts";

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
  const embedder = await createEmbedder(
    DEFAULT_ONNX_PATH,
    `yamnet-tflite:${YAMNET_TFLITE_SHA256}:embeddings-v1`,
  );
  return { items: await buildItems([...pool, ...daylife], folds, embedder, log), embedder };
}
