/**
 * @module
 * Real-input FFT of a power-of-two size, radix-2, with twiddles and bit-reversal precomputed once per size.
 * A real transform of size N runs as one complex FFT of size N/2 over (even, odd) sample pairs followed by a
 * split step, which halves the work of the naive complex transform. Arithmetic is float64 so that the
 * front end is as exact as the reference float implementation it is compared with.
 */

/** A prepared real FFT; all buffers are reused, so one instance must not be used re-entrantly. */
export interface RealFft {
  /** Transform size N (input samples, zero-padded if shorter). */
  readonly size: number;
  /**
   * One-sided spectrum of `input` (length ≤ size; the rest is taken as zeros): writes N/2 + 1 bins to
   * `re` and `im`.
   */
  forward(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void;
  /** One-sided magnitude spectrum |X[k]|, k = 0..N/2, written to `out`. */
  magnitude(input: ArrayLike<number>, out: Float64Array): void;
}

/**
 * Prepares a real FFT of `size` points (a power of two, at least 4).
 *
 * @example
 * const fft = createRealFft(512);
 * const magnitudes = new Float64Array(257);
 * fft.magnitude(frame, magnitudes);
 */
export function createRealFft(size: number): RealFft {
  if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
    throw new Error(`FFT size must be a power of two >= 4, got ${size}`);
  }
  const half = size / 2;
  const bits = Math.log2(half);
  const bitReversed = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitReversed[i] = r;
  }
  // Twiddles of the half-size complex FFT: e^{-2πik/half}, k < half/2.
  const cosHalf = new Float64Array(half / 2);
  const sinHalf = new Float64Array(half / 2);
  for (let k = 0; k < half / 2; k++) {
    cosHalf[k] = Math.cos((2 * Math.PI * k) / half);
    sinHalf[k] = -Math.sin((2 * Math.PI * k) / half);
  }
  // Twiddles of the split step: e^{-2πik/size}, k ≤ half.
  const cosFull = new Float64Array(half + 1);
  const sinFull = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    cosFull[k] = Math.cos((2 * Math.PI * k) / size);
    sinFull[k] = -Math.sin((2 * Math.PI * k) / size);
  }
  const zr = new Float64Array(half);
  const zi = new Float64Array(half);
  const outRe = new Float64Array(half + 1);
  const outIm = new Float64Array(half + 1);

  function forward(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const n = Math.min(input.length, size);
    // Pack x[2m] + i·x[2m+1] in bit-reversed order, zero beyond the input.
    for (let m = 0; m < half; m++) {
      const j = bitReversed[m];
      const e = 2 * m;
      zr[j] = e < n ? input[e] : 0;
      zi[j] = e + 1 < n ? input[e + 1] : 0;
    }
    for (let span = 1; span < half; span <<= 1) {
      const step = half / (2 * span);
      for (let start = 0; start < half; start += 2 * span) {
        for (let k = 0; k < span; k++) {
          const wr = cosHalf[k * step];
          const wi = sinHalf[k * step];
          const a = start + k;
          const b = a + span;
          const tr = zr[b] * wr - zi[b] * wi;
          const ti = zr[b] * wi + zi[b] * wr;
          zr[b] = zr[a] - tr;
          zi[b] = zi[a] - ti;
          zr[a] += tr;
          zi[a] += ti;
        }
      }
    }
    // Split: X[k] = E[k] + W^k·O[k] with E = (Z[k] + conj Z[half−k]) / 2, O = (Z[k] − conj Z[half−k]) / 2i.
    for (let k = 0; k <= half; k++) {
      const a = k % half;
      const b = (half - k) % half;
      const er = (zr[a] + zr[b]) / 2;
      const ei = (zi[a] - zi[b]) / 2;
      const or = (zi[a] + zi[b]) / 2;
      const oi = -(zr[a] - zr[b]) / 2;
      const wr = cosFull[k];
      const wi = sinFull[k];
      re[k] = er + or * wr - oi * wi;
      im[k] = ei + or * wi + oi * wr;
    }
  }

  return {
    size,
    forward,
    magnitude(input: ArrayLike<number>, out: Float64Array): void {
      forward(input, outRe, outIm);
      for (let k = 0; k <= half; k++) out[k] = Math.sqrt(outRe[k] * outRe[k] + outIm[k] * outIm[k]);
    },
  };
}
