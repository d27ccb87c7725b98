/**
 * @module
 * A bounded set that forgets its least recently added key first. Used to drop duplicate deliveries of
 * the same jobId+leaseToken without letting memory grow over a long night.
 */

/**
 * @example
 * ```ts
 * const seen = new LruSet(2);
 * seen.add("a"); seen.add("b"); seen.add("c");
 * seen.has("a"); // false: evicted
 * ```
 */
export class LruSet {
  // Map keeps insertion order, so the first key is always the oldest.
  readonly #keys = new Map<string, true>();
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("LruSet capacity must be a positive integer");
    this.capacity = capacity;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Adds (or refreshes) `key`, evicting the oldest key when over capacity. */
  add(key: string): void {
    this.#keys.delete(key);
    this.#keys.set(key, true);
    if (this.#keys.size > this.capacity) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#keys.delete(key);
  }

  get size(): number {
    return this.#keys.size;
  }
}
