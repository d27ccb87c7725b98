/**
 * @module
 * Main-thread side of inference: a small pool of worker threads, each with its own YAMNet session.
 * `run()` is asynchronous for the caller and never blocks the event loop.
 */
import { Worker } from "node:worker_threads";
import type { RunBatch, RunRequest, WorkerOptions, WorkerReply } from "./inference-worker.ts";
import type { PatchOutputs, YamnetSessionOptions } from "./onnx-backend.ts";

export interface InferencePoolOptions extends YamnetSessionOptions {
  /** Worker threads, each with one session. Default 1. */
  workers?: number;
  /** The worker's entry module (tests substitute one that dies on purpose). */
  workerUrl?: URL;
  /**
   * Added to each worker thread's nice value (Linux). Default {@link WORKER_NICE_INCREMENT}: with every core busy
   * scoring, the main thread (HTTP, /healthz, the decoder that feeds the workers) still gets a core at once.
   */
  workerNiceIncrement?: number;
}

/**
 * The workers' default nice increment. CFS then gives a nice-0 thread about three times a worker's share of a
 * contended core (weights 1024 against 335), so the calling thread, which needs about a third of one core
 * (README "Benchmark"), rarely waits, and the workers still take every cycle it leaves.
 */
export const WORKER_NICE_INCREMENT = 5;

/** How long `dispose()` waits for batches in flight before closing the sessions. */
const DISPOSE_DRAIN_MS = 10_000;
/** How long a worker may take to release its session and exit before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000;

/** A batch's outputs and its input buffer, transferred back from the worker for reuse. */
export interface PoolOutputs extends PatchOutputs {
  input: Float32Array<ArrayBuffer>;
}

export interface InferencePool {
  /** Scores `count` patches ([count, 96, 64], transferred to the worker) → [count, 521] scores (+ [count] laughter). */
  run(patches: Float32Array<ArrayBuffer>, count: number): Promise<PoolOutputs>;
  /**
   * Scores the `count` patches covered by `samples` (a patch-segments.ts segment, transferred): the worker
   * computes their log-mel patches, so the calling thread does not.
   */
  runSamples(samples: Float32Array<ArrayBuffer>, count: number): Promise<PoolOutputs>;
  dispose(): Promise<void>;
}

/**
 * The worker thread scoring a batch died (a crash in ONNX Runtime, an out-of-memory kill). The pool
 * replaces it; the jobs whose batches it held may be retried.
 */
export class InferenceWorkerLostError extends Error {
  override name = "InferenceWorkerLostError";
}

interface Pending {
  resolve(outputs: PoolOutputs): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  failed?: Error;
  exited: Promise<void>;
}

const WORKER_URL = new URL("./inference-worker.mjs", import.meta.url);

function startWorker(options: WorkerOptions, workerUrl: URL): Promise<PoolWorker> {
  return new Promise((resolveReady, rejectReady) => {
    const worker = new Worker(workerUrl, {
      workerData: options,
      // The worker only shuttles typed arrays: a small young generation keeps its heap (and RSS) small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const exited = new Promise<void>((resolveExit) => worker.once("exit", () => resolveExit()));
    const entry: PoolWorker = { worker, pending: new Map(), exited };
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
        entry.pending.get(reply.id)?.resolve({ ...reply.outputs, input: reply.input });
        entry.pending.delete(reply.id);
      } else if (reply.id === undefined) {
        failAll(new InferenceWorkerLostError(`inference worker failed: ${reply.message}`));
      } else {
        entry.pending.get(reply.id)?.reject(new Error(`inference failed: ${reply.message}`));
        entry.pending.delete(reply.id);
      }
    });
    worker.on("error", (error) =>
      failAll(new InferenceWorkerLostError(`inference worker failed: ${error.message}`, { cause: error })),
    );
    worker.on("exit", (code) =>
      failAll(new InferenceWorkerLostError(`inference worker exited with code ${code}`)),
    );
  });
}

/** Starts the workers and waits until every session is loaded. */
export async function createInferencePool(options: InferencePoolOptions): Promise<InferencePool> {
  const {
    workers: workerCount = 1,
    workerUrl = WORKER_URL,
    workerNiceIncrement = WORKER_NICE_INCREMENT,
    ...yamnetOptions
  } = options;
  const sessionOptions: WorkerOptions = { ...yamnetOptions, niceIncrement: workerNiceIncrement };
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new Error(`workers must be a positive integer, got ${workerCount}`);
  }
  const workers = await Promise.all(
    Array.from({ length: workerCount }, () => startWorker(sessionOptions, workerUrl)),
  );
  /** A dead worker's replacement while it loads, per slot. */
  const replacing = new Map<number, Promise<PoolWorker>>();
  const live = async (slot: number): Promise<PoolWorker> => {
    if (workers[slot].failed === undefined) return workers[slot];
    // The worker died (a crash in ONNX Runtime, an OOM): start a new one rather than fail every job.
    let next = replacing.get(slot);
    if (next === undefined) {
      next = startWorker(sessionOptions, workerUrl).finally(() => replacing.delete(slot));
      replacing.set(slot, next);
    }
    workers[slot] = await next;
    return workers[slot];
  };
  let nextId = 0;
  let disposed = false;
  const submit = (batch: RunBatch, data: Float32Array<ArrayBuffer>): Promise<PoolOutputs> => {
    if (disposed) return Promise.reject(new Error("the inference pool was disposed"));
    // Least-loaded worker first: keeps both cores busy when batches are pipelined.
    let slot = 0;
    for (let i = 1; i < workers.length; i++) {
      if (workers[i].pending.size < workers[slot].pending.size) slot = i;
    }
    const post = (target: PoolWorker) => {
      const id = nextId++;
      return new Promise<PoolOutputs>((resolve, reject) => {
        target.pending.set(id, { resolve, reject });
        target.worker.postMessage({ id, ...batch } satisfies RunRequest, [data.buffer]);
      });
    };
    if (workers[slot].failed === undefined) return post(workers[slot]);
    return live(slot).then((target) =>
      disposed ? Promise.reject(new Error("the inference pool was disposed")) : post(target),
    );
  };
  return {
    run: (patches, count) => submit({ count, patches }, patches),
    runSamples: (samples, count) => submit({ count, samples }, samples),
    async dispose() {
      if (disposed) return;
      disposed = true;
      // A replacement still loading joins the pool first, so that it is closed too.
      await Promise.allSettled(replacing.values());
      await Promise.all(
        workers.map(async (entry) => {
          // Terminating a worker inside an ONNX run aborts the whole process ("terminate called after
          // throwing an instance of 'Napi::Error'", issue 10 item 2): let the runs in flight finish, then
          // ask the worker to release its session and exit; terminate only if it does not.
          const drainUntilMs = Date.now() + DISPOSE_DRAIN_MS;
          while (entry.failed === undefined && entry.pending.size > 0 && Date.now() < drainUntilMs) {
            await Promise.allSettled(
              [...entry.pending.values()].map(
                (pending) => new Promise<void>((settle) => wrapSettle(pending, settle)),
              ),
            );
          }
          entry.worker.removeAllListeners("error");
          if (entry.failed === undefined) {
            entry.worker.postMessage({ type: "close" });
            const timer = setTimeout(() => void entry.worker.terminate(), CLOSE_TIMEOUT_MS);
            await entry.exited;
            clearTimeout(timer);
          } else {
            await entry.worker.terminate();
          }
        }),
      );
    },
  };
}

/** Calls `settle` once `pending` resolves or rejects, keeping its own callbacks. */
function wrapSettle(pending: Pending, settle: () => void): void {
  const { resolve, reject } = pending;
  pending.resolve = (scores) => {
    resolve(scores);
    settle();
  };
  pending.reject = (error) => {
    reject(error);
    settle();
  };
}
