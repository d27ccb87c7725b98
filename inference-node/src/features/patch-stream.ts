/**
 * @module
 * Streaming framer: turns 16 kHz samples pushed in chunks of any size into YAMNet's log-mel patches
 * ([96 frames × 64 bands] every 48 frames), holding only the unconsumed tail of samples and a ring of the
 * last 96 frames. Any chunking gives bit-identical patches to a one-shot {@link computePatches}.
 */
import {
  MEL_BANDS,
  PATCH_FRAMES,
  PATCH_HOP_FRAMES,
  PATCH_HOP_SAMPLES,
  PATCH_WINDOW_SAMPLES,
  STFT_HOP_SAMPLES,
  STFT_WINDOW_SAMPLES,
} from "../../../shared/yamnet/constants.ts";
import { createLogMelFrameComputer, logMelSpectrogram } from "./log-mel.ts";

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

/** A streaming patch framer; see {@link createPatchStream}. */
export interface PatchStream {
  /** Adds samples (any length, including 0) and returns the patches completed by them, in order. */
  push(samples: Float32Array): Float32Array[];
  /** Applies YAMNet's tail zero-padding and returns the remaining patches. The stream is closed afterwards. */
  end(): Float32Array[];
  /** Samples pushed so far (before padding). */
  readonly sampleCount: number;
  /** Patches emitted so far. */
  readonly patchCount: number;
}

/**
 * Creates a streaming framer.
 *
 * @example
 * const stream = createPatchStream();
 * for await (const chunk of pcmChunks) for (const patch of stream.push(chunk)) await score(patch);
 * for (const patch of stream.end()) await score(patch);
 */
export function createPatchStream(): PatchStream {
  const computer = createLogMelFrameComputer();
  // Samples not yet fully consumed by frames: at most one window minus one hop between pushes.
  let tail = new Float32Array(0);
  // Ring of the last PATCH_FRAMES log-mel frames.
  const ring = new Float32Array(PATCH_VALUES);
  let frameCount = 0;
  let sampleCount = 0;
  let patchCount = 0;
  let ended = false;

  function consume(samples: Float32Array): Float32Array[] {
    const patches: Float32Array[] = [];
    const buffer = tail.length === 0 ? samples : concat(tail, samples);
    let offset = 0;
    while (offset + STFT_WINDOW_SAMPLES <= buffer.length) {
      computer.compute(buffer, offset, ring, (frameCount % PATCH_FRAMES) * MEL_BANDS);
      frameCount++;
      offset += STFT_HOP_SAMPLES;
      if (frameCount >= PATCH_FRAMES && (frameCount - PATCH_FRAMES) % PATCH_HOP_FRAMES === 0) {
        patches.push(readPatch());
      }
    }
    // Copy so the caller's chunk is not retained.
    tail = buffer.slice(offset);
    return patches;
  }

  function readPatch(): Float32Array {
    const patch = new Float32Array(PATCH_VALUES);
    // The oldest frame sits right after the newest in the ring.
    const oldest = (frameCount % PATCH_FRAMES) * MEL_BANDS;
    patch.set(ring.subarray(oldest), 0);
    patch.set(ring.subarray(0, oldest), PATCH_VALUES - oldest);
    patchCount++;
    return patch;
  }

  return {
    push(samples) {
      if (ended) throw new Error("PatchStream.push() called after end(); create a new stream per recording");
      if (!(samples instanceof Float32Array)) {
        throw new TypeError("PatchStream.push() expects a Float32Array of 16 kHz mono samples in [-1, 1]");
      }
      sampleCount += samples.length;
      return consume(samples);
    },
    end() {
      if (ended) return [];
      ended = true;
      const patches = consume(new Float32Array(paddedSampleCount(sampleCount) - sampleCount));
      tail = new Float32Array(0);
      return patches;
    },
    get sampleCount() {
      return sampleCount;
    },
    get patchCount() {
      return patchCount;
    },
  };
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

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
