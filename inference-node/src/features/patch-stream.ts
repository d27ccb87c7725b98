/**
 * @module
 * YAMNet's log-mel patches ([96 frames × 64 bands] every 48 frames): their size, the zero-padding YAMNet
 * applies to a waveform, and the one-shot reference {@link computePatches}. Streams are cut into patches by
 * `patch-segments.ts`, bit for bit the same as this reference.
 */
import {
  MEL_BANDS,
  PATCH_FRAMES,
  PATCH_HOP_FRAMES,
  PATCH_HOP_SAMPLES,
  PATCH_WINDOW_SAMPLES,
} from "../../../shared/yamnet/constants.ts";
import { logMelSpectrogram } from "./log-mel.ts";

/** Values in one patch: 96 × 64 = 6144, row-major (frame, band). */
export const PATCH_VALUES = PATCH_FRAMES * MEL_BANDS;

/**
 * Length YAMNet zero-pads a waveform to: 15600 + k·7680 samples with the smallest k ≥ 0 that covers it,
 * so that the last patch is complete and there is at least one patch (yamnet/features.py pad_waveform).
 */
export function paddedSampleCount(sampleCount: number): number {
  if (sampleCount <= PATCH_WINDOW_SAMPLES) return PATCH_WINDOW_SAMPLES;
  return (
    PATCH_WINDOW_SAMPLES +
    Math.ceil((sampleCount - PATCH_WINDOW_SAMPLES) / PATCH_HOP_SAMPLES) * PATCH_HOP_SAMPLES
  );
}

/**
 * One-shot reference: pads `waveform` like YAMNet and returns all its patches.
 *
 * @example
 * computePatches(new Float32Array(15_601)).length; // 2
 */
export function computePatches(waveform: Float32Array): Float32Array[] {
  const padded = new Float32Array(paddedSampleCount(waveform.length));
  padded.set(waveform);
  const spectrogram = logMelSpectrogram(padded);
  const frames = spectrogram.length / MEL_BANDS;
  const patches: Float32Array[] = [];
  for (let start = 0; start + PATCH_FRAMES <= frames; start += PATCH_HOP_FRAMES) {
    patches.push(spectrogram.slice(start * MEL_BANDS, (start + PATCH_FRAMES) * MEL_BANDS));
  }
  return patches;
}
