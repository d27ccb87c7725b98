// Generated from shared/yamnet/constants.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * YAMNet's fixed parameters (tensorflow/models research/audioset/yamnet/params.py), shared by the
 * TypeScript front end, the model build and the Edge Functions. Runtime-neutral: no imports.
 */

/** Input sample rate the model was trained on. */
export const SAMPLE_RATE_HZ = 16_000;
/** STFT window: 25 ms at 16 kHz. */
export const STFT_WINDOW_SAMPLES = 400;
/** STFT hop: 10 ms at 16 kHz. */
export const STFT_HOP_SAMPLES = 160;
/** FFT size: the next power of two above the window. */
export const FFT_SIZE = 512;
/** Number of one-sided spectrum bins for FFT_SIZE. */
export const SPECTRUM_BINS = FFT_SIZE / 2 + 1;
/** Mel bands of the log-mel spectrogram. */
export const MEL_BANDS = 64;
export const MEL_MIN_HZ = 125;
export const MEL_MAX_HZ = 7500;
/** Added before the log: log(mel + LOG_OFFSET). */
export const LOG_OFFSET = 0.001;
/** Frames per patch (0.96 s). */
export const PATCH_FRAMES = 96;
/** Frames between patch starts (0.48 s). */
export const PATCH_HOP_FRAMES = 48;
/** Milliseconds between patch starts. */
export const PATCH_HOP_MS = (PATCH_HOP_FRAMES * STFT_HOP_SAMPLES * 1000) / SAMPLE_RATE_HZ;
/** Milliseconds covered by one patch. */
export const PATCH_WINDOW_MS = (PATCH_FRAMES * STFT_HOP_SAMPLES * 1000) / SAMPLE_RATE_HZ;
/** Samples YAMNet needs for one patch: (96 - 1) * 160 + 400 = 15600 (0.975 s). */
export const PATCH_WINDOW_SAMPLES = (PATCH_FRAMES - 1) * STFT_HOP_SAMPLES + STFT_WINDOW_SAMPLES;
/** Samples between patch starts. */
export const PATCH_HOP_SAMPLES = PATCH_HOP_FRAMES * STFT_HOP_SAMPLES;
/** Number of AudioSet classes scored. */
export const CLASS_COUNT = 521;
/** Width of the embedding output. */
export const EMBEDDING_SIZE = 1024;

/** The laughter family of AudioSet classes (yamnet_class_map.csv indices 13–18). */
export const LAUGHTER_CLASSES = Object.freeze([
  { classId: 13, className: "Laughter" },
  { classId: 14, className: "Baby laughter" },
  { classId: 15, className: "Giggle" },
  { classId: 16, className: "Snicker" },
  { classId: 17, className: "Belly laugh" },
  { classId: 18, className: "Chuckle, chortle" },
] as const);

export type LaughterClassId = (typeof LAUGHTER_CLASSES)[number]["classId"];

/**
 * Number of patches YAMNet produces for a waveform of `sampleCount` samples at 16 kHz: the waveform is
 * zero-padded at the end so that the last patch is complete and there is at least one patch.
 *
 * @example patchCountForSamples(15_600) === 1; patchCountForSamples(15_601) === 2
 */
export function patchCountForSamples(sampleCount: number): number {
  if (sampleCount <= PATCH_WINDOW_SAMPLES) return 1;
  return 1 + Math.ceil((sampleCount - PATCH_WINDOW_SAMPLES) / PATCH_HOP_SAMPLES);
}
