/**
 * @module
 * Lowers the scheduling priority of the calling thread (not the process): the inference workers run at a
 * higher nice value than the main thread, so that on a machine whose cores they fill, the main thread (HTTP
 * server, /healthz, decoding that feeds the workers) gets a core as soon as it has work. Linux only: there a
 * thread is a task with its own nice value, found through /proc/thread-self, and `setpriority` on its id
 * changes that thread alone. Threads it starts later (ONNX Runtime's intra-op pool) inherit the value.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** Highest nice value (lowest priority) Linux allows. */
const MAX_NICE = 19;

/** The calling thread's id (its task id under /proc/self/task), or undefined where there is none (not Linux). */
export function currentThreadId(): number | undefined {
  if (process.platform !== "linux") return undefined;
  // "<pid>/task/<tid>"
  const threadId = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
  return Number.isInteger(threadId) && threadId > 0 ? threadId : undefined;
}

/**
 * Adds `increment` (≥ 0) to the calling thread's nice value, up to 19. Returns the new value, or undefined
 * where threads have no nice value of their own (not Linux) or the change was refused.
 *
 * @example lowerThreadPriority(5); // in a worker thread: 0 → 5
 */
export function lowerThreadPriority(increment: number): number | undefined {
  if (!Number.isInteger(increment) || increment < 0) {
    throw new RangeError(`increment must be a non-negative integer, got ${increment}`);
  }
  try {
    const threadId = currentThreadId();
    if (threadId === undefined) return undefined;
    const nice = Math.min(MAX_NICE, getPriority(threadId) + increment);
    setPriority(threadId, nice);
    return getPriority(threadId);
  } catch {
    return undefined;
  }
}
