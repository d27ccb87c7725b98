/**
 * @module
 * YAMNet's log-mel front end as pure functions of a 16 kHz Float32Array: periodic Hann window of 400 samples,
 * hop 160, 512-point FFT magnitude (not power), 64 mel bands, log(mel + 0.001). This replaces the int8 DFT of
 * the TFLite graph with exact float64 arithmetic (see ../shared/models/README.md).
 */
import {
  FFT_SIZE,
  LOG_OFFSET,
  MEL_BANDS,
  SPECTRUM_BINS,
  STFT_HOP_SAMPLES,
  STFT_WINDOW_SAMPLES,
} from "../../../shared/yamnet/constants.ts";
import { createRealFft, type RealFft } from "./fft.ts";
import { applyMelFilterBank, createMelFilterBank, type MelBand } from "./mel-filter-bank.ts";

/** Periodic Hann window (tf.signal.hann_window(periodic=True)): 0.5 − 0.5·cos(2πn/N). */
export function periodicHannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/** Number of STFT frames YAMNet takes from `sampleCount` samples (no padding; frames must fit whole). */
export function frameCountForSamples(sampleCount: number): number {
  return sampleCount < STFT_WINDOW_SAMPLES
    ? 0
    : 1 + Math.floor((sampleCount - STFT_WINDOW_SAMPLES) / STFT_HOP_SAMPLES);
}

/** Computes one log-mel frame at a time; holds scratch buffers, so use one instance per stream. */
export interface LogMelFrameComputer {
  /** Writes the MEL_BANDS log-mel values of the frame `samples[offset .. offset + 400)` to `out[outOffset ..]`. */
  compute(samples: Float32Array, offset: number, out: Float32Array, outOffset: number): void;
  /** Writes the first `frames` frames of `samples` (hop 160), row-major [frames, 64], to `out`. */
  computeFrames(samples: Float32Array, frames: number, out: Float32Array): void;
}

let sharedTables: { window: Float64Array; bands: MelBand[] } | undefined;

/**
 * Creates a frame computer. Window and mel tables are shared between instances (they are constants);
 * the FFT and scratch buffers are per instance.
 *
 * @example
 * const frame = new Float32Array(64);
 * createLogMelFrameComputer().compute(waveform, 0, frame, 0);
 */
export function createLogMelFrameComputer(): LogMelFrameComputer {
  sharedTables ??= { window: periodicHannWindow(STFT_WINDOW_SAMPLES), bands: createMelFilterBank() };
  const { window, bands } = sharedTables;
  const fft: RealFft = createRealFft(FFT_SIZE);
  // Zero beyond the 400 windowed samples: the FFT's zero-padding to 512, as in tf.signal.stft, without a copy.
  const windowed = new Float64Array(FFT_SIZE);
  const magnitude = new Float64Array(SPECTRUM_BINS);
  const mel = new Float64Array(MEL_BANDS);
  const compute = (samples: Float32Array, offset: number, out: Float32Array, outOffset: number) => {
    for (let n = 0; n < STFT_WINDOW_SAMPLES; n++) windowed[n] = samples[offset + n] * window[n];
    fft.magnitude(windowed, magnitude);
    applyMelFilterBank(bands, magnitude, mel);
    for (let m = 0; m < MEL_BANDS; m++) out[outOffset + m] = Math.log(mel[m] + LOG_OFFSET);
  };
  return {
    compute,
    computeFrames(samples, frames, out) {
      for (let f = 0; f < frames; f++) compute(samples, f * STFT_HOP_SAMPLES, out, f * MEL_BANDS);
    },
  };
}

/**
 * Log-mel spectrogram of a whole waveform (no padding), row-major [frames, 64].
 *
 * @example
 * const spectrogram = logMelSpectrogram(new Float32Array(15_600)); // 96 × 64 values
 */
export function logMelSpectrogram(waveform: Float32Array): Float32Array {
  const frames = frameCountForSamples(waveform.length);
  const out = new Float32Array(frames * MEL_BANDS);
  createLogMelFrameComputer().computeFrames(waveform, frames, out);
  return out;
}
