import { describe, expect, it } from "vitest";
import { MEL_BANDS, PATCH_FRAMES, patchCountForSamples } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { createPatchSegmenter } from "./patch-segments.ts";
import { computePatches, PATCH_VALUES, paddedSampleCount } from "./patch-stream.ts";

function testSignal(length: number, seed = 1): Float32Array {
  const random = seededRandom(seed);
  const x = new Float32Array(length);
  for (let n = 0; n < length; n++) x[n] = 0.3 * Math.sin(n * 0.05) + 0.2 * (random() * 2 - 1);
  return x;
}

/** Patches the streaming segmenter (what the engine and the embedder use) cuts `x` into, pushed in chunks. */
function streamedPatchCount(x: Float32Array, chunkSamples: number): number {
  const segmenter = createPatchSegmenter(4);
  let count = 0;
  for (let offset = 0; offset < x.length; offset += chunkSamples) {
    for (const segment of segmenter.push(x.subarray(offset, offset + chunkSamples))) count += segment.count;
  }
  for (const segment of segmenter.end()) count += segment.count;
  return count;
}

describe("patches", () => {
  it("emits [96 × 64] patches", () => {
    const patches = computePatches(testSignal(16_000));
    expect(PATCH_VALUES).toBe(PATCH_FRAMES * MEL_BANDS);
    for (const patch of patches) expect(patch).toBeInstanceOf(Float32Array);
    expect(patches.map((p) => p.length)).toEqual([6144, 6144]);
  });

  it.each([
    [0, 1],
    [1, 1],
    [15_600, 1],
    [15_601, 2],
    [15_600 + 7_680, 2],
    [15_600 + 7_681, 3],
    [16_000 * 10, 20],
  ])("%i samples give %i patches", (sampleCount, expected) => {
    expect(computePatches(new Float32Array(sampleCount))).toHaveLength(expected);
    expect(streamedPatchCount(new Float32Array(sampleCount), 1000)).toBe(expected);
    expect(patchCountForSamples(sampleCount)).toBe(expected);
  });

  it("gives one patch for 0.975 s and one more per 0.48 s", () => {
    for (let k = 0; k < 5; k++) {
      expect(computePatches(new Float32Array(15_600 + k * 7_680))).toHaveLength(1 + k);
      expect(paddedSampleCount(15_600 + k * 7_680)).toBe(15_600 + k * 7_680);
    }
  });
});
