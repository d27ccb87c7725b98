/**
 * @module
 * Worker-thread side of the inference pool: owns one YAMNet session and scores batches of patches sent
 * by the main thread. Loaded through `inference-worker.mjs`, which registers the TypeScript loader.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createYamnetSession, type PatchOutputs, type YamnetSessionOptions } from "./onnx-backend.ts";

export interface RunRequest {
  id: number;
  patches: Float32Array;
  count: number;
}

export type WorkerReply =
  | { type: "ready" }
  | { type: "result"; id: number; outputs: PatchOutputs }
  | { type: "error"; id?: number; message: string };

const port = parentPort;
if (port === null) throw new Error("inference-worker.ts must run in a worker thread");

try {
  const session = await createYamnetSession(workerData as YamnetSessionOptions);
  port.on("message", async (request: RunRequest | { type: "close" }) => {
    if ("type" in request) {
      await session.dispose();
      port.close();
      return;
    }
    try {
      const { scores, laughter } = await session.run(request.patches, request.count);
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
