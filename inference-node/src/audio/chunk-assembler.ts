/**
 * @module
 * Re-blocks the resampler's irregular output into fixed-size chunks, so consumers see the same chunk
 * boundaries whatever the codec's frame size, and clamps to [-1, 1] (float WAVs and sinc overshoot can
 * exceed full scale slightly; YAMNet's front end assumes they do not).
 */

/** Collects samples and hands back full chunks of `chunkSamples`; memory stays at one chunk. */
export class ChunkAssembler {
  private readonly chunkSamples: number;
  private current: Float32Array;
  private filled = 0;

  constructor(chunkSamples: number) {
    if (!Number.isInteger(chunkSamples) || chunkSamples <= 0) {
      throw new RangeError(`chunkSamples must be a positive integer, got ${chunkSamples}`);
    }
    this.chunkSamples = chunkSamples;
    this.current = new Float32Array(chunkSamples);
  }

  /** Adds samples and returns any chunks that are now complete. */
  push(samples: Float32Array): Float32Array[] {
    const complete: Float32Array[] = [];
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(this.chunkSamples - this.filled, samples.length - at);
      for (let i = 0; i < take; i++) {
        const value = samples[at + i]!;
        // NaN from a broken float WAV would poison every later feature; treat it as silence.
        this.current[this.filled + i] = value > 1 ? 1 : value < -1 ? -1 : Number.isNaN(value) ? 0 : value;
      }
      this.filled += take;
      at += take;
      if (this.filled === this.chunkSamples) {
        complete.push(this.current);
        this.current = new Float32Array(this.chunkSamples);
        this.filled = 0;
      }
    }
    return complete;
  }

  /** Returns the final partial chunk, or `undefined` when nothing is pending. */
  end(): Float32Array | undefined {
    if (this.filled === 0) return undefined;
    const last = this.current.slice(0, this.filled);
    this.filled = 0;
    return last;
  }
}
