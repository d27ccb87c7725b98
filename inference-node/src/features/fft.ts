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
  // Twiddles of the half-size complex FFT, one run per stage so that the butterflies read them in order:
  // the stage joining blocks of `span` reads e^{-iπk/span}, k < span, at [span − 1, 2·span − 1).
  const stageCos = new Float64Array(Math.max(half - 1, 1));
  const stageSin = new Float64Array(Math.max(half - 1, 1));
  for (let span = 1; span < half; span <<= 1) {
    for (let k = 0; k < span; k++) {
      stageCos[span - 1 + k] = Math.cos((Math.PI * k) / span);
      stageSin[span - 1 + k] = -Math.sin((Math.PI * k) / span);
    }
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

  /** Complex FFT of half size of x[2m] + i·x[2m+1] (zero beyond the input), left in zr/zi. */
  function transformPairs(input: ArrayLike<number>): void {
    // Locals rather than closure reads in the hot loops (about twice as fast in V8, same arithmetic).
    const re = zr;
    const im = zi;
    const reversed = bitReversed;
    const twiddleCos = stageCos;
    const twiddleSin = stageSin;
    const pairs = Math.min(input.length, size) >> 1;
    for (let m = 0; m < pairs; m++) {
      const j = reversed[m];
      re[j] = input[2 * m];
      im[j] = input[2 * m + 1];
    }
    if (input.length < size && (input.length & 1) === 1) {
      // An odd-length input: its last sample pairs with a zero.
      const j = reversed[pairs];
      re[j] = input[2 * pairs];
      im[j] = 0;
    }
    for (let m = pairs + (input.length < size ? input.length & 1 : 0); m < half; m++) {
      const j = reversed[m];
      re[j] = 0;
      im[j] = 0;
    }
    // First stage: the twiddle is 1.
    for (let a = 0; a < half; a += 2) {
      const b = a + 1;
      const br = re[b];
      const bi = im[b];
      re[b] = re[a] - br;
      im[b] = im[a] - bi;
      re[a] += br;
      im[a] += bi;
    }
    for (let span = 2; span < half; span <<= 1) {
      const twiddles = span - 1;
      const blockSize = 2 * span;
      for (let k = 0; k < span; k++) {
        const wr = twiddleCos[twiddles + k];
        const wi = twiddleSin[twiddles + k];
        for (let a = k; a < half; a += blockSize) {
          const b = a + span;
          const br = re[b];
          const bi = im[b];
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[a];
          const ai = im[a];
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
  }

  /**
   * Split step: X[k] = E[k] + W^k·O[k] with E = (Z[k] + conj Z[half−k]) / 2 and O = (Z[k] − conj Z[half−k]) / 2i;
   * Z[half] is Z[0].
   */
  function forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    transformPairs(input);
    const re = zr;
    const im = zi;
    outRe[0] = re[0] + im[0];
    outIm[0] = 0;
    for (let k = 1; k < half; k++) {
      const b = half - k;
      const er = (re[k] + re[b]) / 2;
      const ei = (im[k] - im[b]) / 2;
      const or = (im[k] + im[b]) / 2;
      const oi = -(re[k] - re[b]) / 2;
      const wr = cosFull[k];
      const wi = sinFull[k];
      outRe[k] = er + or * wr - oi * wi;
      outIm[k] = ei + or * wi + oi * wr;
    }
    outRe[half] = re[0] - im[0];
    outIm[half] = 0;
  }
  const spectrumRe = new Float64Array(half + 1);
  const spectrumIm = new Float64Array(half + 1);

  return {
    size,
    forward,
    magnitude(input: ArrayLike<number>, out: Float64Array): void {
      forward(input, spectrumRe, spectrumIm);
      for (let k = 0; k <= half; k++) {
        out[k] = Math.sqrt(spectrumRe[k] * spectrumRe[k] + spectrumIm[k] * spectrumIm[k]);
      }
    },
  };
}
