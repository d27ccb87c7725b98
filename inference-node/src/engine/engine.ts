/**
 * @module
 * The detection engine: a pull-based pipeline from bytes to laughter events and clips, in flat memory.
 *
 *   bytes → decodeTo16kMono → segments of 16 patches' samples → worker threads (log-mel, ONNX) → scores
 *         → event detector (hysteresis) → clip cutter (bounded ring of recent audio) → onClip
 *
 * Decoding runs on the calling thread while up to `maxBatchesInFlight` segments are turned into log-mel
 * patches and scored in the workers: the front end's FFTs scale with the workers instead of capping them at
 * what one thread can feed (issue 21). Audio reaches the clip cutter patch by patch as the detector sees the
 * scores, which bounds how far events lag their audio (the cutter's ring is sized for that).
 */

import { loadManifest, resolveModelPath } from "../../../models/src/model-paths.ts";
import { CLASS_COUNT, PATCH_HOP_SAMPLES, SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";
import { decodeTo16kMono } from "../audio/decode-stream.ts";
import { AlignedClipFeed } from "../clips/aligned-clip-feed.ts";
import { ClipCutter, type ClipCutterOptions } from "../clips/clip-cutter.ts";
import { EventDetector, type EventDetectorOptions, resolveEventOptions } from "../events/event-detector.ts";
import { createPatchSegmenter, type PatchSegment } from "../features/patch-segments.ts";
import { createInferencePool, type InferencePool, type PoolOutputs } from "./inference-pool.ts";
import type { DetectionResult, DetectOptions, Engine, LaughterEvent, TruncationNotice } from "./types.ts";

export interface EngineOptions {
  /** Path of yamnet.onnx; defaults to `YAMNET_ONNX` or `models/build/yamnet.onnx`. */
  modelPath?: string;
  /** Worker threads with one ONNX session each. Default 1. */
  workers?: number;
  /** ONNX Runtime intra-op threads per session. Default 1. */
  intraOpThreads?: number;
  /** Patches per ONNX run (0.48 s of audio each). Default 16: larger batches gain little speed and grow ONNX Runtime's arena;
   * each batch's log-mel recomputes the 48 frames it shares with the one before (6 % of its FFTs at 16). */
  batchPatches?: number;
  /** Batches queued for the workers while the next is prepared. Default 4 per worker: with 2 the worker
   * idled between batches (end-to-end 0.75 of model-only throughput; 0.9 with 4, `npm run bench`). */
  maxBatchesInFlight?: number;
  events?: Partial<EventDetectorOptions>;
  clips?: Partial<Omit<ClipCutterOptions, "sampleRateHz">>;
}

/** Longest stretch of synchronous work between event-loop turns. */
const MAX_SYNC_SLICE_MS = 5;

interface Batch {
  firstPatch: number;
  count: number;
  outputs: Promise<PoolOutputs>;
}

/** Creates the engine and loads the model in its worker threads. Call `dispose()` when done. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const modelPath = options.modelPath ?? resolveModelPath();
  const workers = options.workers ?? 1;
  const batchPatches = options.batchPatches ?? 16;
  const maxBatchesInFlight = options.maxBatchesInFlight ?? 4 * workers;
  if (!Number.isInteger(batchPatches) || batchPatches < 1) {
    throw new RangeError(`batchPatches must be a positive integer, got ${batchPatches}`);
  }
  if (!Number.isInteger(maxBatchesInFlight) || maxBatchesInFlight < 1) {
    throw new RangeError(`maxBatchesInFlight must be a positive integer, got ${maxBatchesInFlight}`);
  }
  // Validate detector/cutter options now, not on the first recording.
  const eventOptions = resolveEventOptions(options.events);
  new ClipCutter({ ...options.clips, maxEventDurationMs: eventOptions.maxDurationMs });
  const modelVersion = modelVersionOf(modelPath, options.modelPath === undefined);
  const pool: InferencePool = await createInferencePool({
    modelPath,
    workers,
    intraOpThreads: options.intraOpThreads ?? 1,
  });

  return {
    modelVersion,
    detect: (input, detectOptions) =>
      detect(pool, input, detectOptions ?? {}, options, batchPatches, maxBatchesInFlight),
    dispose: () => pool.dispose(),
  };
}

function modelVersionOf(modelPath: string, isDefault: boolean): string {
  try {
    const manifest = loadManifest(isDefault ? {} : { env: { YAMNET_ONNX: modelPath } });
    return `yamnet-onnx@${manifest.onnxSha256.slice(0, 12)}`;
  } catch {
    return "yamnet-onnx@unknown";
  }
}

async function detect(
  pool: InferencePool,
  input: AsyncIterable<Uint8Array>,
  options: DetectOptions,
  engineOptions: EngineOptions,
  batchPatches: number,
  maxBatchesInFlight: number,
): Promise<DetectionResult> {
  const { signal, onClip, onProgress, onWarning, keepScores = false } = options;
  let truncated: TruncationNotice | undefined;
  const noteWarning = (warning: { message: string; byteOffset?: number; truncated?: boolean }) => {
    if (warning.truncated && truncated === undefined) {
      truncated = {
        message: warning.message,
        ...(warning.byteOffset === undefined ? {} : { byteOffset: warning.byteOffset }),
      };
    }
    onWarning?.(warning);
  };
  const detector = new EventDetector(engineOptions.events);
  const cutter = new ClipCutter({
    ...engineOptions.clips,
    maxEventDurationMs: detector.options.maxDurationMs,
  });
  const segmenter = createPatchSegmenter(batchPatches);
  const events: LaughterEvent[] = [];
  const keptScores: Float32Array[] | undefined = keepScores ? [] : undefined;

  // Audio reaches the cutter patch by patch, as the detector sees it (see aligned-clip-feed.ts).
  const clipFeed = new AlignedClipFeed(cutter, async (clip) => {
    await onClip?.(clip);
  });

  const inFlight: Batch[] = [];
  let patchCount = 0;

  const settleOldest = async () => {
    const done = inFlight.shift();
    if (done === undefined) return;
    const { scores, laughter, input } = await done.outputs;
    // The worker handed the segment's buffer back: the next segment is copied into it.
    segmenter.recycle(input);
    signal?.throwIfAborted();
    const lastPatch = done.firstPatch + done.count - 1;
    for (let i = 0; i < done.count; i++) {
      const row = scores.subarray(i * CLASS_COUNT, (i + 1) * CLASS_COUNT);
      if (keptScores !== undefined) keptScores.push(row.slice());
      await clipFeed.beforePatch(done.firstPatch + i);
      for (const event of detector.push(done.firstPatch + i, row, laughter?.[i])) {
        events.push(event);
        await clipFeed.addEvent(event);
      }
    }
    onProgress?.(
      Math.min(clipFeed.totalSamples, (lastPatch + 1) * PATCH_HOP_SAMPLES) / (SAMPLE_RATE_HZ / 1000),
    );
  };

  const submit = async (segments: PatchSegment[]) => {
    for (const { firstPatch, count, samples } of segments) {
      inFlight.push({ firstPatch, count, outputs: pool.runSamples(samples, count) });
      patchCount = firstPatch + count;
      while (inFlight.length >= maxBatchesInFlight) await settleOldest();
    }
  };

  // Decoding runs on the calling thread. When input is already buffered, `for await` only
  // yields to microtasks, so give the event loop a turn every few ms: the node's /healthz must answer
  // within 50 ms at p99 while a job runs.
  let lastYieldMs = performance.now();
  const yieldToEventLoop = async () => {
    if (performance.now() - lastYieldMs < MAX_SYNC_SLICE_MS) return;
    await new Promise((resolveTurn) => setImmediate(resolveTurn));
    lastYieldMs = performance.now();
  };

  try {
    for await (const samples of decodeTo16kMono(input, {
      format: options.format,
      signal,
      onWarning: noteWarning,
    })) {
      await yieldToEventLoop();
      if (samples.length === 0) continue;
      clipFeed.pushAudio(samples);
      await submit(segmenter.push(samples));
    }
    await submit(segmenter.end());
    while (inFlight.length > 0) await settleOldest();
    await clipFeed.flushAudio();
    const durationMs = clipFeed.totalSamples / (SAMPLE_RATE_HZ / 1000);
    for (const event of detector.end(durationMs)) {
      events.push(event);
      await clipFeed.addEvent(event);
    }
    await clipFeed.end();
    return {
      durationMs,
      patchCount,
      events,
      ...(keptScores ? { scores: keptScores } : {}),
      ...(truncated === undefined ? {} : { truncated }),
    };
  } finally {
    // Never leave scoring promises unobserved if we bail out early.
    for (const pending of inFlight) pending.outputs.catch(() => {});
  }
}
