/**
 * @module
 * Main-thread side of inference: a small pool of worker threads, each with its own YAMNet session.
 * `run()` is asynchronous for the caller and never blocks the event loop.
 */
import { Worker } from "node:worker_threads";
import type { RunRequest, WorkerReply } from "./inference-worker.ts";
import type { PatchOutputs, YamnetSessionOptions } from "./onnx-backend.ts";

export interface InferencePoolOptions extends YamnetSessionOptions {
  /** Worker threads, each with one session. Default 1. */
  workers?: number;
}

export interface InferencePool {
  /** Scores `count` patches ([count, 96, 64], transferred to the worker) → [count, 521] scores (+ [count] laughter). */
  run(patches: Float32Array, count: number): Promise<PatchOutputs>;
  dispose(): Promise<void>;
}

interface Pending {
  resolve(outputs: PatchOutputs): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  failed?: Error;
}

const WORKER_URL = new URL("./inference-worker.mjs", import.meta.url);

function startWorker(options: YamnetSessionOptions): Promise<PoolWorker> {
  return new Promise((resolveReady, rejectReady) => {
    const worker = new Worker(WORKER_URL, {
      workerData: options,
      // The worker only shuttles typed arrays: a small young generation keeps its heap (and RSS) small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const entry: PoolWorker = { worker, pending: new Map() };
    let ready = false;
    const failAll = (error: Error) => {
      entry.failed = error;
      for (const pending of entry.pending.values()) pending.reject(error);
      entry.pending.clear();
      if (!ready) rejectReady(error);
    };
    worker.on("message", (reply: WorkerReply) => {
      if (reply.type === "ready") {
        ready = true;
        resolveReady(entry);
      } else if (reply.type === "result") {
        entry.pending.get(reply.id)?.resolve(reply.outputs);
        entry.pending.delete(reply.id);
      } else if (reply.id === undefined) {
        failAll(new Error(`inference worker failed: ${reply.message}`));
      } else {
        entry.pending.get(reply.id)?.reject(new Error(`inference failed: ${reply.message}`));
        entry.pending.delete(reply.id);
      }
    });
    worker.on("error", (error) => failAll(error));
    worker.on("exit", (code) => failAll(new Error(`inference worker exited with code ${code}`)));
  });
}

/** Starts the workers and waits until every session is loaded. */
export async function createInferencePool(options: InferencePoolOptions): Promise<InferencePool> {
  const { workers: workerCount = 1, ...sessionOptions } = options;
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new Error(`workers must be a positive integer, got ${workerCount}`);
  }
  const workers = await Promise.all(Array.from({ length: workerCount }, () => startWorker(sessionOptions)));
  let nextId = 0;
  let disposed = false;
  return {
    run(patches, count) {
      if (disposed) return Promise.reject(new Error("the inference pool was disposed"));
      // Least-loaded worker first: keeps both cores busy when batches are pipelined.
      const target = workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
      if (target.failed !== undefined) return Promise.reject(target.failed);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        target.pending.set(id, { resolve, reject });
        target.worker.postMessage({ id, patches, count } satisfies RunRequest, [
          patches.buffer as ArrayBuffer,
        ]);
      });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all(
        workers.map(async ({ worker }) => {
          worker.removeAllListeners("exit");
          worker.removeAllListeners("error");
          await worker.terminate();
        }),
      );
    },
  };
}
