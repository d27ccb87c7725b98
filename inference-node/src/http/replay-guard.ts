/**
 * @module
 * Remembers the signatures of accepted `POST /infer` requests for as long as their timestamp is inside
 * the replay window, so a captured request cannot be sent again while it would still verify. A request
 * signed before this process started is refused too: after a restart the memory is empty, and the
 * dispatcher signs every delivery afresh anyway.
 *
 * Memory: one entry per accepted request of the last window (forged requests never get here), so a
 * dispatcher kicking every minute leaves a handful of entries.
 */

export interface ReplayGuardOptions {
  replayWindowMs: number;
  /** Requests signed (timestamp, in whole seconds) before this instant's second are refused. */
  notBeforeMs: number;
}

/**
 * @example
 * ```ts
 * const guard = new ReplayGuard({ replayWindowMs: 300_000, notBeforeMs: Date.now() });
 * if (!guard.accept(mac, timestampSeconds, Date.now())) throw new HttpError(401, { code: "REPLAYED_REQUEST" });
 * ```
 */
export class ReplayGuard {
  /** mac → the instant (ms) after which its timestamp is outside the window. */
  readonly #seen = new Map<string, number>();
  readonly #options: ReplayGuardOptions;

  constructor(options: ReplayGuardOptions) {
    this.#options = options;
  }

  /** True (and remembered) the first time; false for a repeat or a request signed before start. */
  accept(mac: string, timestampSeconds: number, nowMs: number): boolean {
    this.#forget(nowMs);
    const signedAtMs = timestampSeconds * 1000;
    // Whole seconds: a request signed in the second the process started is still accepted.
    if (timestampSeconds < Math.floor(this.#options.notBeforeMs / 1000) || this.#seen.has(mac)) return false;
    this.#seen.set(mac, signedAtMs + this.#options.replayWindowMs);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #forget(nowMs: number): void {
    for (const [mac, expiresMs] of this.#seen) {
      if (expiresMs < nowMs) this.#seen.delete(mac);
    }
  }
}
