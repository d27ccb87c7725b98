/**
 * @module
 * Cuts a 16 kHz stream into the sample segments that batches of YAMNet patches are computed from, so that
 * the log-mel front end can run next to the model in an inference worker instead of on the calling thread.
 *
 * Patch p covers samples [p·7680, p·7680 + 15600); a segment of `count` patches is the
 * (count − 1)·7680 + 15600 samples they cover. The segmenter holds only the samples not yet covered by an
 * emitted segment (less than one segment plus the chunk just pushed) and the segment buffers handed back to it
 * for reuse, and applies YAMNet's tail zero-padding
 * at the end. {@link createSegmentPatcher} turns a segment into the same patches, bit for bit, as the one-shot
 * {@link computePatches} gives for the whole stream.
 */
import {
  MEL_BANDS,
  PATCH_FRAMES,
  PATCH_HOP_FRAMES,
  PATCH_HOP_SAMPLES,
  PATCH_WINDOW_SAMPLES,
} from "../../../shared/yamnet/constants.ts";
import { createLogMelFrameComputer, frameCountForSamples, type LogMelFrameComputer } from "./log-mel.ts";
import { PATCH_VALUES, paddedSampleCount } from "./patch-stream.ts";

/** The samples of `count` consecutive patches, starting with patch `firstPatch`. */
export interface PatchSegment {
  firstPatch: number;
  count: number;
  /** (count − 1)·7680 + 15600 samples at 16 kHz; the caller's to transfer (a new or a recycled buffer). */
  samples: Float32Array<ArrayBuffer>;
}

/** Samples covered by `count` consecutive patches. */
export function segmentSampleCount(count: number): number {
  return (count - 1) * PATCH_HOP_SAMPLES + PATCH_WINDOW_SAMPLES;
}

/** A streaming segmenter; see {@link createPatchSegmenter}. */
export interface PatchSegmenter {
  /** Adds samples (any length, including 0) and returns the full segments they complete, in order. */
  push(samples: Float32Array): PatchSegment[];
  /** Applies YAMNet's tail zero-padding and returns the remaining segments (the last may be shorter). */
  end(): PatchSegment[];
  /**
   * Hands back a segment's samples buffer once nobody uses it (the inference worker returns it): a later
   * full segment is copied into it instead of a new buffer, so a long recording does not leave a trail of
   * half-megabyte buffers for the garbage collector. Buffers of another length are ignored.
   */
  recycle(samples: Float32Array<ArrayBuffer>): void;
  /** Samples pushed so far (before padding). */
  readonly sampleCount: number;
}

/** Spare segment buffers a segmenter keeps (more than the engine has in flight; ~0.5 MB each at 16 patches). */
const MAX_SPARE_SEGMENTS = 16;

/**
 * Creates a segmenter emitting segments of `patchesPerSegment` patches.
 *
 * @example
 * const segmenter = createPatchSegmenter(16);
 * for await (const chunk of pcmChunks) for (const s of segmenter.push(chunk)) await score(s.samples, s.count);
 * for (const s of segmenter.end()) await score(s.samples, s.count);
 */
export function createPatchSegmenter(patchesPerSegment: number): PatchSegmenter {
  if (!Number.isInteger(patchesPerSegment) || patchesPerSegment < 1) {
    throw new RangeError(`patchesPerSegment must be a positive integer, got ${patchesPerSegment}`);
  }
  const fullLength = segmentSampleCount(patchesPerSegment);
  // Samples from the start of the next patch not yet emitted; grows only if a pushed chunk is larger.
  let buffer = new Float32Array(2 * fullLength);
  let length = 0;
  let sampleCount = 0;
  let nextPatch = 0;
  let ended = false;

  const append = (samples: Float32Array) => {
    if (length + samples.length > buffer.length) {
      const grown = new Float32Array(Math.max(2 * buffer.length, length + samples.length));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    buffer.set(samples, length);
    length += samples.length;
  };

  const spares: Float32Array<ArrayBuffer>[] = [];

  const take = (count: number): PatchSegment => {
    const segmentLength = segmentSampleCount(count);
    const samples =
      (segmentLength === fullLength ? spares.pop() : undefined) ?? new Float32Array(segmentLength);
    samples.set(buffer.subarray(0, segmentLength));
    const segment = { firstPatch: nextPatch, count, samples };
    nextPatch += count;
    const consumed = Math.min(length, count * PATCH_HOP_SAMPLES);
    buffer.copyWithin(0, consumed, length);
    length -= consumed;
    return segment;
  };

  return {
    push(samples) {
      if (ended) throw new Error("PatchSegmenter.push() called after end(); create one per recording");
      if (!(samples instanceof Float32Array)) {
        throw new TypeError("PatchSegmenter.push() expects a Float32Array of 16 kHz mono samples in [-1, 1]");
      }
      sampleCount += samples.length;
      append(samples);
      const segments: PatchSegment[] = [];
      while (length >= fullLength) segments.push(take(patchesPerSegment));
      return segments;
    },
    end() {
      if (ended) return [];
      ended = true;
      append(new Float32Array(paddedSampleCount(sampleCount) - sampleCount));
      const segments: PatchSegment[] = [];
      while (length >= PATCH_WINDOW_SAMPLES) {
        const remaining = 1 + Math.floor((length - PATCH_WINDOW_SAMPLES) / PATCH_HOP_SAMPLES);
        segments.push(take(Math.min(patchesPerSegment, remaining)));
      }
      buffer = new Float32Array(0);
      length = 0;
      return segments;
    },
    recycle(samples) {
      if (samples.length === fullLength && spares.length < MAX_SPARE_SEGMENTS && !spares.includes(samples)) {
        spares.push(samples);
      }
    },
    get sampleCount() {
      return sampleCount;
    },
  };
}

/** Computes the patches of segments; holds a scratch spectrogram, so use one per thread. */
export interface SegmentPatcher {
  /**
   * The `count` patches of `samples` (a {@link PatchSegment}'s) as [count, 96, 64]: written into `into` when it
   * holds exactly that many values (a buffer to reuse), else into a fresh array; returns the array written.
   */
  patchesOf(
    samples: Float32Array,
    count: number,
    into?: Float32Array<ArrayBuffer>,
  ): Float32Array<ArrayBuffer>;
}

/**
 * Creates a patcher for segments of up to `maxCount` patches (larger ones grow the scratch buffer).
 *
 * @example
 * const patches = createSegmentPatcher().patchesOf(segment.samples, segment.count); // count × 6144 values
 */
export function createSegmentPatcher(): SegmentPatcher {
  const computer: LogMelFrameComputer = createLogMelFrameComputer();
  let spectrogram = new Float32Array(0);
  return {
    patchesOf(samples, count, into) {
      if (!Number.isInteger(count) || count < 1 || samples.length !== segmentSampleCount(count)) {
        throw new RangeError(
          `a segment of ${count} patches has ${segmentSampleCount(count)} samples, got ${samples.length}`,
        );
      }
      const frames = frameCountForSamples(samples.length);
      if (spectrogram.length < frames * MEL_BANDS) spectrogram = new Float32Array(frames * MEL_BANDS);
      computer.computeFrames(samples, frames, spectrogram);
      const patches =
        into !== undefined && into.length === count * PATCH_VALUES
          ? into
          : new Float32Array(count * PATCH_VALUES);
      for (let p = 0; p < count; p++) {
        const first = p * PATCH_HOP_FRAMES * MEL_BANDS;
        patches.set(spectrogram.subarray(first, first + PATCH_FRAMES * MEL_BANDS), p * PATCH_VALUES);
      }
      return patches;
    },
  };
}
