/**
 * @module
 * The only module that imports onnxruntime-node. One YAMNet session per process (per worker thread:
 * the engine runs it in a worker so that `run()`, which is synchronous underneath, never blocks the
 * event loop of the HTTP server).
 */
import * as ort from "onnxruntime-node";
import { CLASS_COUNT, MEL_BANDS, PATCH_FRAMES } from "../../../shared/yamnet/constants.ts";

/** Device → execution providers. Only the CPU is available on the 4 GB VPS this targets. */
export const DEVICE_TO_EXECUTION_PROVIDERS = Object.freeze({ cpu: ["cpu"] } as const);
export type Device = keyof typeof DEVICE_TO_EXECUTION_PROVIDERS;

export interface YamnetSessionOptions {
  modelPath: string;
  device?: Device;
  /** Threads for one operator (ONNX Runtime intra-op pool). Default 1. */
  intraOpThreads?: number;
  /** Busy-wait in the intra-op pool between runs; off by default so an idle node uses no CPU. */
  allowSpinning?: boolean;
}

/** What one run returns: [count, 521] class scores and, when the graph has the head, [count] laughter probabilities. */
export interface PatchOutputs {
  scores: Float32Array;
  laughter?: Float32Array;
}

export interface YamnetSession {
  /** Scores `count` log-mel patches laid out as [count, 96, 64]. */
  run(patches: Float32Array, count: number): Promise<PatchOutputs>;
  dispose(): Promise<void>;
}

const PATCH_VALUES = PATCH_FRAMES * MEL_BANDS;

/** Creates the session with graph optimisation at "all". */
export async function createYamnetSession(options: YamnetSessionOptions): Promise<YamnetSession> {
  const { modelPath, device = "cpu", intraOpThreads = 1, allowSpinning = false } = options;
  const providers = DEVICE_TO_EXECUTION_PROVIDERS[device];
  if (providers === undefined) {
    throw new Error(
      `Unsupported device: "${device}". Should be one of: ${Object.keys(DEVICE_TO_EXECUTION_PROVIDERS).join(", ")}`,
    );
  }
  if (!Number.isInteger(intraOpThreads) || intraOpThreads < 1) {
    throw new Error(`intraOpThreads must be a positive integer, got ${intraOpThreads}`);
  }
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: [...providers],
    graphOptimizationLevel: "all",
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: allowSpinning ? "1" : "0" } } },
  });
  const [inputName] = session.inputNames;
  // Models built before the laughter head was folded in have no `laughter` output (rule detector only).
  const outputNames = session.outputNames.includes("laughter") ? ["scores", "laughter"] : ["scores"];
  if (inputName !== "patches" || !session.outputNames.includes("scores")) {
    throw new Error(
      `${modelPath} is not a giggles YAMNet model (inputs ${session.inputNames}, outputs ${session.outputNames}); rebuild it with \`npm run build:model\``,
    );
  }
  return {
    async run(patches, count) {
      if (patches.length !== count * PATCH_VALUES) {
        throw new Error(`expected ${count} patches of ${PATCH_VALUES} values, got ${patches.length} values`);
      }
      const input = new ort.Tensor("float32", patches, [count, PATCH_FRAMES, MEL_BANDS]);
      const outputs = await session.run({ patches: input }, outputNames);
      const scores = outputs.scores;
      if (scores === undefined || scores.dims[1] !== CLASS_COUNT || !(scores.data instanceof Float32Array)) {
        throw new Error(`the model returned no [${count}, ${CLASS_COUNT}] float32 scores`);
      }
      const laughter = outputs.laughter;
      if (laughter === undefined) return { scores: scores.data };
      if (laughter.dims.join() !== String(count) || !(laughter.data instanceof Float32Array)) {
        throw new Error(
          `the model returned laughter of shape [${laughter.dims}], expected [${count}] float32`,
        );
      }
      return { scores: scores.data, laughter: laughter.data };
    },
    async dispose() {
      await session.release();
    },
  };
}
