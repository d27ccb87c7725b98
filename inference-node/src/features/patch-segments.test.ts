import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import {
  createPatchSegmenter,
  createSegmentPatcher,
  type PatchSegment,
  segmentSampleCount,
} from "./patch-segments.ts";
import { computePatches, PATCH_VALUES } from "./patch-stream.ts";

function testSignal(length: number, seed = 3): Float32Array {
  const random = seededRandom(seed);
  const x = new Float32Array(length);
  for (let n = 0; n < length; n++) x[n] = 0.3 * Math.sin(n * 0.031) + 0.2 * (random() * 2 - 1);
  return x;
}

function segmentsOf(x: Float32Array, patchesPerSegment: number, chunkSizes: () => number): PatchSegment[] {
  const segmenter = createPatchSegmenter(patchesPerSegment);
  const segments: PatchSegment[] = [];
  for (let offset = 0; offset < x.length; ) {
    const size = Math.min(chunkSizes(), x.length - offset);
    segments.push(...segmenter.push(x.subarray(offset, offset + size)));
    offset += size;
  }
  segments.push(...segmenter.end());
  return segments;
}

describe("patch segments", () => {
  it("covers (count − 1) hops plus one patch window of samples", () => {
    expect(segmentSampleCount(1)).toBe(15_600);
    expect(segmentSampleCount(16)).toBe(15 * 7_680 + 15_600);
  });

  it.each([
    [0, 4, 1],
    [15_600, 4, 1],
    [15_601, 4, 3],
    [16_000 * 10, 4, 4096],
    [16_000 * 10 + 123, 16, 3_000],
    [16_000 * 17, 16, 100_000],
    [16_000 * 17, 1, 777],
  ])(
    "gives bit for bit the one-shot patches: %i samples, %i patches a segment, chunks of %i",
    (length, perSegment, chunk) => {
      const x = testSignal(length);
      const reference = computePatches(x);
      const segments = segmentsOf(x, perSegment, () => chunk);
      const patcher = createSegmentPatcher();
      let next = 0;
      for (const segment of segments) {
        expect(segment.firstPatch).toBe(next);
        expect(segment.count).toBeLessThanOrEqual(perSegment);
        const patches = patcher.patchesOf(segment.samples, segment.count);
        for (let p = 0; p < segment.count; p++) {
          expect(patches.subarray(p * PATCH_VALUES, (p + 1) * PATCH_VALUES)).toEqual(reference[next + p]);
        }
        next += segment.count;
      }
      expect(next).toBe(reference.length);
    },
  );

  it("emits the same segments whatever the chunking", () => {
    const x = testSignal(16_000 * 12 + 5);
    const random = seededRandom(9);
    const whole = segmentsOf(x, 8, () => x.length);
    const ragged = segmentsOf(x, 8, () => 1 + Math.floor(random() * 20_000));
    expect(ragged.map((s) => [s.firstPatch, s.count])).toEqual(whole.map((s) => [s.firstPatch, s.count]));
    for (const [i, segment] of ragged.entries()) expect(segment.samples).toEqual(whole[i].samples);
  });

  it("rejects a segment of the wrong length and pushes after end()", () => {
    expect(() => createSegmentPatcher().patchesOf(new Float32Array(15_599), 1)).toThrow(/15600 samples/);
    const segmenter = createPatchSegmenter(2);
    segmenter.end();
    expect(() => segmenter.push(new Float32Array(1))).toThrow(/after end/);
    expect(() => createPatchSegmenter(0)).toThrow(/positive integer/);
  });

  // Issue 21: a new half-megabyte buffer per segment was garbage outside the V8 heap, freed late.
  it("copies a later full segment into a buffer handed back, and leaves the samples as they were", () => {
    const x = testSignal(16_000 * 12 + 5);
    const expected = segmentsOf(x, 4, () => 16_000);
    const segmenter = createPatchSegmenter(4);
    const got: Float32Array[] = [];
    const reused: boolean[] = [];
    let spare: Float32Array<ArrayBuffer> | undefined;
    for (let at = 0; at < x.length; at += 16_000) {
      for (const segment of segmenter.push(x.subarray(at, at + 16_000))) {
        reused.push(segment.samples === spare);
        got.push(segment.samples.slice());
        segmenter.recycle(segment.samples);
        spare = segment.samples;
      }
    }
    for (const segment of segmenter.end()) got.push(segment.samples.slice());
    expect(got).toEqual(expected.map((segment) => segment.samples));
    // Every full segment after the first reuses the one handed back before it.
    expect(reused.slice(1).every(Boolean)).toBe(true);
    expect(reused.length).toBeGreaterThan(3);
    // A buffer of another length is not taken.
    const other = createPatchSegmenter(4);
    const odd = new Float32Array(100);
    other.recycle(odd);
    expect(other.push(x.subarray(0, 16_000 * 4))[0].samples).not.toBe(odd);
  });

  it("writes the patches into a buffer of the right size when given one", () => {
    const [segment] = segmentsOf(testSignal(16_000 * 5), 3, () => 16_000 * 5);
    const patcher = createSegmentPatcher();
    const fresh = patcher.patchesOf(segment.samples, 3);
    const into = new Float32Array(3 * PATCH_VALUES);
    expect(patcher.patchesOf(segment.samples, 3, into)).toBe(into);
    expect(into).toEqual(fresh);
    expect(patcher.patchesOf(segment.samples, 3, new Float32Array(7))).not.toHaveLength(7);
  });
});
