import { describe, expect, it } from "vitest";
import { MEL_BANDS, PATCH_FRAMES, patchCountForSamples } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { computePatches, createPatchStream, PATCH_VALUES, paddedSampleCount } from "./patch-stream.ts";

function testSignal(length: number, seed = 1): Float32Array {
  const random = seededRandom(seed);
  const x = new Float32Array(length);
  for (let n = 0; n < length; n++) x[n] = 0.3 * Math.sin(n * 0.05) + 0.2 * (random() * 2 - 1);
  return x;
}

function streamPatches(x: Float32Array, chunkSizes: () => number): Float32Array[] {
  const stream = createPatchStream();
  const patches: Float32Array[] = [];
  for (let offset = 0; offset < x.length; ) {
    const size = Math.min(chunkSizes(), x.length - offset);
    patches.push(...stream.push(x.subarray(offset, offset + size)));
    offset += size;
  }
  patches.push(...stream.end());
  return patches;
}

describe("patch stream", () => {
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
    expect(streamPatches(new Float32Array(sampleCount), () => 1000)).toHaveLength(expected);
    expect(patchCountForSamples(sampleCount)).toBe(expected);
  });

  it("gives one patch for 0.975 s and one more per 0.48 s", () => {
    for (let k = 0; k < 5; k++) {
      expect(computePatches(new Float32Array(15_600 + k * 7_680))).toHaveLength(1 + k);
      expect(paddedSampleCount(15_600 + k * 7_680)).toBe(15_600 + k * 7_680);
    }
  });

  it("is bit-identical to the one-shot run for any chunking", () => {
    const x = testSignal(16_000 * 7 + 123, 7);
    const oneShot = computePatches(x);
    const random = seededRandom(42);
    const chunkings: (() => number)[] = [
      () => 1 + Math.floor(random() * 5000),
      () => 1 + Math.floor(random() * 7),
      () => 160,
      () => 399,
      () => x.length,
    ];
    for (const chunkSizes of chunkings) {
      const streamed = streamPatches(x, chunkSizes);
      expect(streamed.length).toBe(oneShot.length);
      for (let i = 0; i < oneShot.length; i++)
        expect(Buffer.compare(bytesOf(streamed[i]), bytesOf(oneShot[i]))).toBe(0);
    }
  });

  it("accepts empty chunks and refuses pushes after end()", () => {
    const stream = createPatchStream();
    expect(stream.push(new Float32Array(0))).toEqual([]);
    expect(stream.end()).toHaveLength(1);
    expect(stream.patchCount).toBe(1);
    expect(() => stream.push(new Float32Array(1))).toThrow(/after end/);
  });
});

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
