/**
 * @module
 * Exponential backoff with full jitter, and an abortable sleep. Shared by the audio fetch, clip uploads
 * and report delivery.
 */

export interface BackoffOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Delay before retry number `attempt` (0-based): random in [ceiling/2, ceiling] with
 * ceiling = min(max, base·2^attempt) ("equal jitter", AWS architecture blog "Exponential Backoff And
 * Jitter"), so a fleet of nodes does not retry in step yet never retries immediately.
 *
 * @example
 * ```ts
 * await sleep(backoffDelayMs(attempt, { baseDelayMs: 500 }), signal);
 * ```
 */
export function backoffDelayMs(
  attempt: number,
  { baseDelayMs = 250, maxDelayMs = 30_000 }: BackoffOptions = {},
) {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts.
 *
 * @example
 * ```ts
 * await sleep(1_000, AbortSignal.timeout(500)); // rejects after 500 ms with a TimeoutError
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
