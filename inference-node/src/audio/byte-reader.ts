/**
 * @module
 * Pull-based reader over an `AsyncIterable<Uint8Array>` that lets parsers ask for "exactly n bytes" without
 * caring how the producer chunked the stream. Normalising chunk boundaries here is also what makes every
 * decoder's output independent of input chunking (1-byte or 1-MiB chunks give identical samples).
 */

/** Sequential byte reader with peek; keeps only the bytes not yet consumed. */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly signal: AbortSignal | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private ended = false;
  /** Bytes consumed (returned by `read`/`skip`) so far: the stream offset of the next byte. */
  offset = 0;

  constructor(input: AsyncIterable<Uint8Array>, signal?: AbortSignal) {
    this.iterator = input[Symbol.asyncIterator]();
    this.signal = signal;
  }

  /** True once the source is exhausted and every buffered byte has been consumed. */
  get done(): boolean {
    return this.ended && this.pendingBytes === 0;
  }

  /** Buffers until at least `byteCount` bytes are available or the source ends; returns what is buffered. */
  private async fill(byteCount: number): Promise<void> {
    while (this.pendingBytes < byteCount && !this.ended) {
      this.signal?.throwIfAborted();
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      if (next.value.byteLength > 0) {
        this.pending.push(next.value);
        this.pendingBytes += next.value.byteLength;
      }
    }
    // Coalesce once, not per incoming chunk, so tiny producer chunks cost O(n) rather than O(n²).
    if (this.pending.length > 1) {
      const joined = new Uint8Array(this.pendingBytes);
      let at = 0;
      for (const part of this.pending) {
        joined.set(part, at);
        at += part.byteLength;
      }
      this.pending = [joined];
    }
  }

  /** Returns up to `byteCount` bytes without consuming them (fewer only at end of stream). */
  async peek(byteCount: number): Promise<Uint8Array> {
    await this.fill(byteCount);
    const head = this.pending[0];
    return head === undefined ? new Uint8Array(0) : head.subarray(0, Math.min(byteCount, head.byteLength));
  }

  /** Consumes and returns up to `byteCount` bytes (fewer only at end of stream). */
  async read(byteCount: number): Promise<Uint8Array> {
    await this.fill(byteCount);
    const head = this.pending[0];
    if (head === undefined) return new Uint8Array(0);
    const taken = Math.min(byteCount, head.byteLength);
    // Copy so callers may keep the bytes (decoders hold references) while the rest of the buffer is released.
    const out = head.slice(0, taken);
    if (taken === head.byteLength) this.pending = [];
    else this.pending = [head.subarray(taken)];
    this.pendingBytes -= taken;
    this.offset += taken;
    return out;
  }

  /** Consumes and discards `byteCount` bytes without holding them all in memory; returns the number skipped. */
  async skip(byteCount: number): Promise<number> {
    let skipped = 0;
    while (skipped < byteCount) {
      const part = await this.read(Math.min(byteCount - skipped, 1 << 16));
      if (part.byteLength === 0) break;
      skipped += part.byteLength;
    }
    return skipped;
  }

  /** Lets the producer release resources (file handles, sockets) when decoding stops early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
    this.pending = [];
    this.pendingBytes = 0;
  }
}
