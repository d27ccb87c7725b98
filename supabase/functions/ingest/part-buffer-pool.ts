/**
 * @module
 * The multipart part buffers of one isolate, reused from window to window. Each upload takes a buffer
 * and gives it back once its object is complete, so a warm isolate moving window after window keeps
 * at most `maxFree` buffers (one per worker) instead of leaving a `partBytes` ArrayBuffer of garbage
 * per window, which V8 collects only after tens of MB of such buffers have piled up.
 *
 * A buffer is given back only after a successful upload: after a failure a request may still hold it
 * (a timed-out PUT) or the body stream may have kept it (a BYOB read that never returned), so it is
 * left to the garbage collector.
 */
export class PartBufferPool {
  readonly #free: ArrayBuffer[] = [];
  readonly partBytes: number;
  readonly maxFree: number;

  constructor(partBytes: number, maxFree: number) {
    this.partBytes = partBytes;
    this.maxFree = maxFree;
  }

  /** A buffer of `partBytes`: a free one, else a new one. */
  take(): ArrayBuffer {
    return this.#free.pop() ?? new ArrayBuffer(this.partBytes);
  }

  /** Keeps `buffer` for the next upload (a detached or foreign-sized buffer, or one too many, is dropped). */
  give(buffer: ArrayBuffer): void {
    if (
      buffer.byteLength === this.partBytes &&
      this.#free.length < this.maxFree &&
      !this.#free.includes(buffer)
    ) {
      this.#free.push(buffer);
    }
  }

  /** Buffers waiting to be taken. */
  get freeCount(): number {
    return this.#free.length;
  }
}
