/**
 * @module
 * Turns audio into what the head trains on: per patch, YAMNet's 1024-d embedding and 521 scores, from the
 * same float front end the engine runs and the all-float ONNX graph (`patches` → `scores`, `embeddings`;
 * the shipped int8 graph agrees within 1e-4, models/README.md). Results are cached per content key under
 * `models/build/head-cache/` (gitignored), so reruns of `npm run train` only pay for the model once.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { decodeTo16kMono } from "../../../inference-node/src/audio/decode-stream.ts";
import {
  createPatchSegmenter,
  createSegmentPatcher,
  type PatchSegment,
} from "../../../inference-node/src/features/patch-segments.ts";
import {
  CLASS_COUNT,
  EMBEDDING_SIZE,
  MEL_BANDS,
  PATCH_FRAMES,
  SAMPLE_RATE_HZ,
} from "../../../shared/yamnet/constants.ts";
import { collectSamples } from "../../../tooling/wav-fixtures.ts";
import { buildModel, YAMNET_TFLITE_SHA256 } from "../build.ts";
import { FLOAT_ONNX_PATH, MODEL_BUILD_DIR } from "../model-paths.ts";

/** Per-patch model outputs of one recording. */
export interface PatchFeatures {
  /** Row-major [patchCount, 1024]. */
  embeddings: Float32Array;
  /** Row-major [patchCount, 521]. */
  scores: Float32Array;
  patchCount: number;
  durationMs: number;
}

/** Row `i` of the scores as a 521-value view. */
export function scoreRow(features: PatchFeatures, i: number): Float32Array {
  return features.scores.subarray(i * CLASS_COUNT, (i + 1) * CLASS_COUNT);
}

/** Every patch's scores, as 521-value views. */
export function scoreRows(features: PatchFeatures): Float32Array[] {
  return Array.from({ length: features.patchCount }, (_, i) => scoreRow(features, i));
}

/** Row `i` of the embeddings as a 1024-value view. */
export function embeddingRow(features: PatchFeatures, i: number): Float32Array {
  return features.embeddings.subarray(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE);
}

/** Decodes a whole file to 16 kHz mono (the engine's decoders and resampler). */
export async function decodeFile(path: string): Promise<Float32Array> {
  return collectSamples(decodeTo16kMono(createReadStream(path)));
}

/** A YAMNet session returning scores and embeddings, with a content-keyed disk cache. */
export interface Embedder {
  /** Features of `samples` (16 kHz mono); `key` names the content (a file's sha256, a mix recipe). */
  embed(
    key: string,
    samples: () => Promise<Float32Array | AsyncIterable<Float32Array>> | Float32Array,
  ): Promise<PatchFeatures>;
  dispose(): Promise<void>;
}

const BATCH_PATCHES = 64;

/** Cache key of YAMNet's float embeddings, the features the head is trained and evaluated on. */
export const FLOAT_EMBEDDINGS_KEY = `yamnet-tflite:${YAMNET_TFLITE_SHA256}:embeddings-v1`;

/**
 * The embedder of `npm run train` and the experiments: the all-float graph (built into
 * models/build/yamnet-float.onnx when missing or stale). The head is trained on YAMNet's float embeddings
 * whichever graph ships, so a fresh clone's `npm run train` reproduces the committed head, and the int8
 * graph's rounding (1e-4) never reaches the cache, whose key names float embeddings.
 */
export async function createTrainingEmbedder(log: (message: string) => void): Promise<Embedder> {
  const { onnxPath } = await buildModel({
    ifNeeded: true,
    precision: "float",
    onnxPath: FLOAT_ONNX_PATH,
    log,
  });
  return createEmbedder(onnxPath, FLOAT_EMBEDDINGS_KEY);
}

/**
 * Opens the model at `onnxPath`. `modelKey` names what the model computes (for training,
 * {@link FLOAT_EMBEDDINGS_KEY}) and is part of every cache key.
 *
 * @example const embedder = await createEmbedder(onnxPath, FLOAT_EMBEDDINGS_KEY); await embedder.embed(sha256, () => decodeFile(p));
 */
export async function createEmbedder(
  onnxPath: string,
  modelKey: string,
  cacheDir = join(MODEL_BUILD_DIR, "head-cache"),
): Promise<Embedder> {
  const session = await ort.InferenceSession.create(onnxPath, {
    graphOptimizationLevel: "all",
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  mkdirSync(cacheDir, { recursive: true });
  const run = async (
    chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  ): Promise<PatchFeatures> => {
    const segmenter = createPatchSegmenter(BATCH_PATCHES);
    const patcher = createSegmentPatcher();
    const embeddingParts: Float32Array[] = [];
    const scoreParts: Float32Array[] = [];
    let patchCount = 0;
    const score = async (segments: PatchSegment[]): Promise<void> => {
      for (const { samples, count } of segments) {
        const input = patcher.patchesOf(samples, count);
        const out = await session.run(
          { patches: new ort.Tensor("float32", input, [count, PATCH_FRAMES, MEL_BANDS]) },
          ["scores", "embeddings"],
        );
        const outScores = out.scores?.data;
        const outEmbeddings = out.embeddings?.data;
        if (!(outScores instanceof Float32Array) || !(outEmbeddings instanceof Float32Array))
          throw new Error(`${onnxPath} did not return float32 scores and embeddings`);
        scoreParts.push(outScores.slice());
        embeddingParts.push(outEmbeddings.slice());
        patchCount += count;
      }
    };
    for await (const chunk of chunks) await score(segmenter.push(chunk));
    await score(segmenter.end());
    return {
      embeddings: concat(embeddingParts, patchCount * EMBEDDING_SIZE),
      scores: concat(scoreParts, patchCount * CLASS_COUNT),
      patchCount,
      durationMs: (segmenter.sampleCount * 1000) / SAMPLE_RATE_HZ,
    };
  };
  return {
    async embed(key, samples) {
      const name = createHash("sha256").update(`${modelKey}\n${key}`).digest("hex").slice(0, 32);
      const path = join(cacheDir, `${name}.f32`);
      if (existsSync(path)) {
        const bytes = readFileSync(path);
        const all = new Float32Array(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        );
        const patchCount = all[1];
        const split = 2 + patchCount * EMBEDDING_SIZE;
        return {
          durationMs: all[0],
          patchCount,
          embeddings: all.subarray(2, split),
          scores: all.subarray(split, split + patchCount * CLASS_COUNT),
        };
      }
      const source = await samples();
      const features = await run(source instanceof Float32Array ? [source] : source);
      const all = new Float32Array(2 + features.embeddings.length + features.scores.length);
      all[0] = features.durationMs;
      all[1] = features.patchCount;
      all.set(features.embeddings, 2);
      all.set(features.scores, 2 + features.embeddings.length);
      writeFileSync(`${path}.tmp`, new Uint8Array(all.buffer));
      renameSync(`${path}.tmp`, path);
      return features;
    },
    async dispose() {
      await session.release();
    },
  };
}

/** The parts one after another in one array of `length` samples. */
export function concat(parts: readonly Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
