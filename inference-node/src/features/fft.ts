/**
 * @module
 * Real-input FFT of a power-of-two size, with twiddles and the input permutation precomputed once per size.
 * A real transform of size N runs as one complex FFT of size N/2 over (even, odd) sample pairs followed by a
 * split step, which halves the work of the naive complex transform. The complex FFT is decimation in time on
 * bit-reversed input, two radix-2 stages at a time (one radix-4 pass: three complex multiplications per four
 * points instead of four, and half the passes over memory), with one radix-2 stage first when log2(N/2) is
 * odd. Arithmetic is float64 so that the front end is as exact as the reference float implementation it is
 * compared with.
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

/** The twiddles of one radix-4 pass joining four blocks of `span` points: W^k, W^2k, W^3k with W = e^{-2πi/4·span}. */
interface Radix4Pass {
  span: number;
  cos1: Float64Array;
  sin1: Float64Array;
  cos2: Float64Array;
  sin2: Float64Array;
  cos3: Float64Array;
  sin3: Float64Array;
}

function radix4Pass(span: number): Radix4Pass {
  const pass: Radix4Pass = {
    span,
    cos1: new Float64Array(span),
    sin1: new Float64Array(span),
    cos2: new Float64Array(span),
    sin2: new Float64Array(span),
    cos3: new Float64Array(span),
    sin3: new Float64Array(span),
  };
  for (let k = 0; k < span; k++) {
    const angle = (-2 * Math.PI * k) / (4 * span);
    pass.cos1[k] = Math.cos(angle);
    pass.sin1[k] = Math.sin(angle);
    pass.cos2[k] = Math.cos(2 * angle);
    pass.sin2[k] = Math.sin(2 * angle);
    pass.cos3[k] = Math.cos(3 * angle);
    pass.sin3[k] = Math.sin(3 * angle);
  }
  return pass;
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
  // With log2(half) odd, one radix-2 stage (span 1, twiddle 1) runs first and the radix-4 passes start at span 2.
  const leadingRadix2 = bits % 2 === 1;
  const passes: Radix4Pass[] = [];
  // The first stage (firstStage) is the radix-2 stage or the radix-4 pass of span 1; these passes follow it.
  for (let span = leadingRadix2 ? 2 : 4; span < half; span *= 4) passes.push(radix4Pass(span));
  // Twiddles of the split step: e^{-2πik/size}, k ≤ half.
  const cosFull = new Float64Array(half + 1);
  const sinFull = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    cosFull[k] = Math.cos((2 * Math.PI * k) / size);
    sinFull[k] = -Math.sin((2 * Math.PI * k) / size);
  }
  const zr = new Float64Array(half);
  const zi = new Float64Array(half);

  /** The input zero-padded to `size`, for inputs shorter than that. */
  const padded = new Float64Array(size);

  /**
   * The first stage, read straight from the input pairs z[m] = x[2m] + i·x[2m+1] in bit-reversed order: a
   * radix-2 stage when log2(half) is odd, else a radix-4 pass of span 1 (its twiddles are all 1).
   */
  function firstStage(input: ArrayLike<number>): void {
    let x = input;
    if (input.length < size) {
      for (let n = 0; n < input.length; n++) padded[n] = input[n];
      padded.fill(0, input.length);
      x = padded;
    }
    // Locals rather than closure reads in the hot loops (about twice as fast in V8, same arithmetic).
    const re = zr;
    const im = zi;
    const reversed = bitReversed;
    if (leadingRadix2) {
      for (let p = 0; p < half; p += 2) {
        const a = 2 * reversed[p];
        const b = 2 * reversed[p + 1];
        re[p] = x[a] + x[b];
        im[p] = x[a + 1] + x[b + 1];
        re[p + 1] = x[a] - x[b];
        im[p + 1] = x[a + 1] - x[b + 1];
      }
      return;
    }
    for (let p = 0; p < half; p += 4) {
      // As in runPass with k = 0: a, b, c, d are the pairs at positions p .. p + 3.
      const a = 2 * reversed[p];
      const b = 2 * reversed[p + 1];
      const c = 2 * reversed[p + 2];
      const d = 2 * reversed[p + 3];
      const sumAbR = x[a] + x[b];
      const sumAbI = x[a + 1] + x[b + 1];
      const diffAbR = x[a] - x[b];
      const diffAbI = x[a + 1] - x[b + 1];
      const sumCdR = x[c] + x[d];
      const sumCdI = x[c + 1] + x[d + 1];
      const diffCdR = x[c] - x[d];
      const diffCdI = x[c + 1] - x[d + 1];
      re[p] = sumAbR + sumCdR;
      im[p] = sumAbI + sumCdI;
      re[p + 2] = sumAbR - sumCdR;
      im[p + 2] = sumAbI - sumCdI;
      re[p + 1] = diffAbR + diffCdI;
      im[p + 1] = diffAbI - diffCdR;
      re[p + 3] = diffAbR - diffCdI;
      im[p + 3] = diffAbI + diffCdR;
    }
  }

  /**
   * One radix-4 pass: each block of 4·span holds four transforms of `span` points, A, B, C, D, of the samples
   * 4n, 4n + 2, 4n + 1 and 4n + 3 of its sequence (bit-reversed order), and becomes their joint transform
   * X[k + q·span] from a = A[k], b = W^2k·B[k], c = W^k·C[k], d = W^3k·D[k].
   */
  function runPass(pass: Radix4Pass): void {
    const re = zr;
    const im = zi;
    const { span, cos1, sin1, cos2, sin2, cos3, sin3 } = pass;
    const blockSize = 4 * span;
    for (let k = 0; k < span; k++) {
      const w1r = cos1[k];
      const w1i = sin1[k];
      const w2r = cos2[k];
      const w2i = sin2[k];
      const w3r = cos3[k];
      const w3i = sin3[k];
      for (let p0 = k; p0 < half; p0 += blockSize) {
        const p1 = p0 + span;
        const p2 = p1 + span;
        const p3 = p2 + span;
        const ar = re[p0];
        const ai = im[p0];
        const br = re[p1] * w2r - im[p1] * w2i;
        const bi = re[p1] * w2i + im[p1] * w2r;
        const cr = re[p2] * w1r - im[p2] * w1i;
        const ci = re[p2] * w1i + im[p2] * w1r;
        const dr = re[p3] * w3r - im[p3] * w3i;
        const di = re[p3] * w3i + im[p3] * w3r;
        const sumAbR = ar + br;
        const sumAbI = ai + bi;
        const diffAbR = ar - br;
        const diffAbI = ai - bi;
        const sumCdR = cr + dr;
        const sumCdI = ci + di;
        const diffCdR = cr - dr;
        const diffCdI = ci - di;
        re[p0] = sumAbR + sumCdR;
        im[p0] = sumAbI + sumCdI;
        re[p2] = sumAbR - sumCdR;
        im[p2] = sumAbI - sumCdI;
        // X[k + span] = (a − b) − i(c − d); X[k + 3·span] = (a − b) + i(c − d).
        re[p1] = diffAbR + diffCdI;
        im[p1] = diffAbI - diffCdR;
        re[p3] = diffAbR - diffCdI;
        im[p3] = diffAbI + diffCdR;
      }
    }
  }

  /** Complex FFT of half size of the input pairs, left in zr/zi. */
  function transformPairs(input: ArrayLike<number>): void {
    firstStage(input);
    for (let p = 0; p < passes.length; p++) runPass(passes[p]);
  }

  /**
   * Split step: X[k] = E[k] + W^k·O[k] with E = (Z[k] + conj Z[half−k]) / 2 and O = (Z[k] − conj Z[half−k]) / 2i;
   * Z[half] is Z[0]. Writes X to `outRe`/`outIm`, or with `outIm` undefined |X| to `outRe` (no pass over X).
   */
  function split(outRe: Float64Array, outIm: Float64Array | undefined): void {
    const re = zr;
    const im = zi;
    const twiddleCos = cosFull;
    const twiddleSin = sinFull;
    for (let k = 1; k < half; k++) {
      const b = half - k;
      const er = (re[k] + re[b]) / 2;
      const ei = (im[k] - im[b]) / 2;
      const or = (im[k] + im[b]) / 2;
      const oi = -(re[k] - re[b]) / 2;
      const wr = twiddleCos[k];
      const wi = twiddleSin[k];
      const xr = er + or * wr - oi * wi;
      const xi = ei + or * wi + oi * wr;
      if (outIm === undefined) {
        outRe[k] = Math.sqrt(xr * xr + xi * xi);
      } else {
        outRe[k] = xr;
        outIm[k] = xi;
      }
    }
    // X[0] and X[half] are real.
    outRe[0] = re[0] + im[0];
    outRe[half] = re[0] - im[0];
    if (outIm === undefined) {
      outRe[0] = Math.abs(outRe[0]);
      outRe[half] = Math.abs(outRe[half]);
    } else {
      outIm[0] = 0;
      outIm[half] = 0;
    }
  }

  return {
    size,
    forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
      transformPairs(input);
      split(outRe, outIm);
    },
    magnitude(input: ArrayLike<number>, out: Float64Array): void {
      transformPairs(input);
      split(out, undefined);
    },
  };
}
