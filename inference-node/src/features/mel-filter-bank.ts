/**
 * @module
 * The mel filter bank YAMNet applies to the magnitude spectrum, matching tf.signal.linear_to_mel_weight_matrix
 * (HTK mel scale 1127·ln(1 + f/700), triangles with edges evenly spaced in mel, bin 0 (DC) zeroed) as called
 * by yamnet/features.py. Stored sparsely: each band keeps its first non-zero bin and the run of weights.
 */
import {
  MEL_BANDS,
  MEL_MAX_HZ,
  MEL_MIN_HZ,
  SAMPLE_RATE_HZ,
  SPECTRUM_BINS,
} from "../../../shared/yamnet/constants.ts";

/** One triangular band: weights for bins firstBin .. firstBin + weights.length − 1. */
export interface MelBand {
  firstBin: number;
  weights: Float64Array;
}

/** Options of {@link createMelFilterBank}; defaults are YAMNet's parameters. */
export interface MelFilterBankOptions {
  bandCount?: number;
  spectrumBins?: number;
  sampleRateHz?: number;
  minHz?: number;
  maxHz?: number;
}

/** HTK mel scale, as tf.signal uses it. */
export function hertzToMel(frequencyHz: number): number {
  return 1127 * Math.log(1 + frequencyHz / 700);
}

/**
 * Builds the sparse mel filter bank.
 *
 * @example
 * const bands = createMelFilterBank(); // 64 bands over 257 bins
 * bands[0].firstBin; // first bin with a non-zero weight in band 0
 */
export function createMelFilterBank(options: MelFilterBankOptions = {}): MelBand[] {
  const {
    bandCount = MEL_BANDS,
    spectrumBins = SPECTRUM_BINS,
    sampleRateHz = SAMPLE_RATE_HZ,
    minHz = MEL_MIN_HZ,
    maxHz = MEL_MAX_HZ,
  } = options;
  const nyquistHz = sampleRateHz / 2;
  const minMel = hertzToMel(minHz);
  const maxMel = hertzToMel(maxHz);
  // Band edges: bandCount + 2 points evenly spaced in mel (tf: linspace(lower_mel, upper_mel, n + 2)).
  const edges = new Float64Array(bandCount + 2);
  for (let i = 0; i < bandCount + 2; i++) edges[i] = minMel + ((maxMel - minMel) * i) / (bandCount + 1);
  // Bin centre frequencies: linspace(0, nyquist, bins); bin 0 (DC) is dropped and left at weight 0 because
  // tf.signal zeroes `bands_to_zero = 1` leading bins.
  const binMel = new Float64Array(spectrumBins);
  for (let k = 0; k < spectrumBins; k++) binMel[k] = hertzToMel((nyquistHz * k) / (spectrumBins - 1));
  const bands: MelBand[] = [];
  for (let m = 0; m < bandCount; m++) {
    const lower = edges[m];
    const center = edges[m + 1];
    const upper = edges[m + 2];
    const dense = new Float64Array(spectrumBins);
    let first = -1;
    let last = -1;
    for (let k = 1; k < spectrumBins; k++) {
      const up = (binMel[k] - lower) / (center - lower);
      const down = (upper - binMel[k]) / (upper - center);
      const w = Math.max(0, Math.min(up, down));
      dense[k] = w;
      if (w > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    bands.push(
      first < 0
        ? { firstBin: 0, weights: new Float64Array(0) }
        : { firstBin: first, weights: dense.slice(first, last + 1) },
    );
  }
  return bands;
}

/** Applies the bank: out[m] = Σ_k spectrum[k]·W[k, m]. */
export function applyMelFilterBank(
  bands: readonly MelBand[],
  spectrum: ArrayLike<number>,
  out: Float64Array,
): void {
  for (let m = 0; m < bands.length; m++) {
    const { firstBin, weights } = bands[m];
    let sum = 0;
    for (let j = 0; j < weights.length; j++) sum += spectrum[firstBin + j] * weights[j];
    out[m] = sum;
  }
}
