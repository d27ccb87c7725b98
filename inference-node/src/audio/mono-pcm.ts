/**
 * @module
 * The hand-off between container decoders and the resampler: mono float samples tagged with their rate.
 */

/** Mono samples at the source's own rate; decoders may change rate mid-stream (chained Ogg, odd MP3s). */
export interface MonoPcmChunk {
  sampleRateHz: number;
  samples: Float32Array;
}

/**
 * Averages channels into one. Averaging (not summing) keeps full-scale input at full scale; YAMNet was
 * trained on mono AudioSet clips downmixed the same way.
 *
 * @example
 * ```ts
 * downmixToMono([left, right], left.length); // (l + r) / 2 per sample
 * ```
 */
export function downmixToMono(channelData: readonly Float32Array[], sampleCount: number): Float32Array {
  if (channelData.length === 1) return channelData[0]!.subarray(0, sampleCount);
  const mono = new Float32Array(sampleCount);
  if (channelData.length === 0) return mono;
  for (const channel of channelData) {
    for (let i = 0; i < sampleCount; i++) mono[i]! += channel[i]!;
  }
  const scale = 1 / channelData.length;
  for (let i = 0; i < sampleCount; i++) mono[i]! *= scale;
  return mono;
}
