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
export type RunBatch = { count: number; patches: Float32Array } | { count: number; samples: Float32Array };

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
  | { type: "result"; id: number; outputs: PatchOutputs }
  | { type: "error"; id?: number; message: string };

const port = parentPort;
if (port === null) throw new Error("inference-worker.ts must run in a worker thread");

try {
  const { niceIncrement, ...sessionOptions } = workerOptionsSchema.parse(workerData);
  lowerThreadPriority(niceIncrement);
  const session = await createYamnetSession(sessionOptions);
  const patcher = createSegmentPatcher();
  port.on("message", async (request: RunRequest | { type: "close" }) => {
    if ("type" in request) {
      await session.dispose();
      port.close();
      return;
    }
    try {
      const patches =
        "samples" in request ? patcher.patchesOf(request.samples, request.count) : request.patches;
      const { scores, laughter } = await session.run(patches, request.count);
      // Copy into transferable buffers: ORT may own the output memory.
      const scoresCopy = new Float32Array(scores);
      const outputs: PatchOutputs = { scores: scoresCopy };
      const transfer: ArrayBuffer[] = [scoresCopy.buffer];
      if (laughter !== undefined) {
        const laughterCopy = new Float32Array(laughter);
        outputs.laughter = laughterCopy;
        transfer.push(laughterCopy.buffer);
      }
      port.postMessage({ type: "result", id: request.id, outputs } satisfies WorkerReply, transfer);
    } catch (error) {
      port.postMessage({ type: "error", id: request.id, message: String(error) } satisfies WorkerReply);
    }
  });
  port.postMessage({ type: "ready" } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) });
}
