/**
 * @module
 * Worker-thread side of the inference pool: owns one YAMNet session and scores batches sent by the main
 * thread, either log-mel patches or the 16 kHz samples they are computed from (the log-mel front end then
 * runs here, next to the model, and the calling thread only decodes). Loaded through `inference-worker.mjs`,
 * which registers the TypeScript loader.
 */
import { parentPort, workerData } from "node:worker_threads";
import { z } from "zod";
import { createSegmentPatcher } from "../features/patch-segments.ts";
import { createYamnetSession, type PatchOutputs, type YamnetSessionOptions } from "./onnx-backend.ts";
import { lowerThreadPriority } from "./thread-priority.ts";

/** `count` patches as [count, 96, 64] log-mel values, or as the samples they cover (see patch-segments.ts). */
export type RunBatch =
  | { count: number; patches: Float32Array<ArrayBuffer> }
  | { count: number; samples: Float32Array<ArrayBuffer> };

export type RunRequest = RunBatch & { id: number };

/** What the pool hands a worker (`workerData`): its session's options and how much to lower its own priority. */
export const workerOptionsSchema = z.object({
  modelPath: z.string().min(1),
  device: z.enum(["cpu"]).optional(),
  intraOpThreads: z.number().int().positive().optional(),
  allowSpinning: z.boolean().optional(),
  /** Added to this thread's nice value before the session (and any intra-op threads) starts. */
  niceIncrement: z.number().int().min(0).max(19),
}) satisfies z.ZodType<YamnetSessionOptions & { niceIncrement: number }>;
export type WorkerOptions = z.infer<typeof workerOptionsSchema>;

export type WorkerReply =
  | { type: "ready" }
  | {
      type: "result";
      id: number;
      outputs: PatchOutputs;
      /** The request's samples or patches, transferred back so the calling thread can reuse the buffer. */
      input: Float32Array<ArrayBuffer>;
    }
  | { type: "error"; id?: number; message: string };

const port = parentPort;
if (port === null) throw new Error("inference-worker.ts must run in a worker thread");

try {
  const { niceIncrement, ...sessionOptions } = workerOptionsSchema.parse(workerData);
  lowerThreadPriority(niceIncrement);
  const session = await createYamnetSession(sessionOptions);
  const patcher = createSegmentPatcher();
  /**
   * One patches buffer reused from batch to batch: a fresh one per batch (393 KB for 16 patches) is garbage
   * outside the V8 heap that this thread, which allocates almost nothing else, kept for a long time (a
   * collection comes with heap allocation, not with that memory). Busy while its run is under way.
   */
  let scratch: Float32Array<ArrayBuffer> | undefined;
  let scratchBusy = false;
  port.on("message", async (request: RunRequest | { type: "close" }) => {
    if ("type" in request) {
      await session.dispose();
      port.close();
      return;
    }
    const input = "samples" in request ? request.samples : request.patches;
    const usesScratch = "samples" in request && !scratchBusy;
    try {
      let patches = input;
      if ("samples" in request) {
        if (usesScratch) scratchBusy = true;
        patches = patcher.patchesOf(request.samples, request.count, usesScratch ? scratch : undefined);
        if (usesScratch) scratch = patches;
      }
      const { scores, laughter } = await session.run(patches, request.count);
      // Copy into transferable buffers: ORT may own the output memory.
      const scoresCopy = new Float32Array(scores);
      const outputs: PatchOutputs = { scores: scoresCopy };
      const transfer: ArrayBuffer[] = [scoresCopy.buffer, input.buffer];
      if (laughter !== undefined) {
        const laughterCopy = new Float32Array(laughter);
        outputs.laughter = laughterCopy;
        transfer.push(laughterCopy.buffer);
      }
      port.postMessage({ type: "result", id: request.id, outputs, input } satisfies WorkerReply, transfer);
    } catch (error) {
      port.postMessage({ type: "error", id: request.id, message: String(error) } satisfies WorkerReply);
    } finally {
      if (usesScratch) scratchBusy = false;
    }
  });
  port.postMessage({ type: "ready" } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) });
}
