import { readdirSync } from "node:fs";
import { getPriority } from "node:os";
import { describe, expect, it } from "vitest";
import { resolveModelPath } from "../../../models/src/model-paths.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { createPatchSegmenter, createSegmentPatcher } from "../features/patch-segments.ts";
import { createInferencePool } from "./inference-pool.ts";
import { currentThreadId } from "./thread-priority.ts";

describe("inference pool", () => {
  // Issue 21: the log-mel front end runs in the workers, next to the model, so that it scales with them.
  it("scores a segment of samples in a worker exactly as the patches computed on the calling thread", async () => {
    const random = seededRandom(21);
    const samples = new Float32Array(16_000 * 9).map((_, n) => 0.4 * Math.sin(n / 7) * random());
    const [segment] = createPatchSegmenter(8).push(samples);
    expect(segment.count).toBe(8);
    const patches = createSegmentPatcher().patchesOf(segment.samples, segment.count);
    const copy = segment.samples.slice();
    const patchesCopy = patches.slice();
    const pool = await createInferencePool({ modelPath: resolveModelPath(), workers: 1 });
    try {
      const fromPatches = await pool.run(patches, segment.count);
      const fromSamples = await pool.runSamples(segment.samples, segment.count);
      expect(segment.samples.length).toBe(0); // transferred to the worker, not copied
      expect(fromSamples.scores).toEqual(fromPatches.scores);
      expect(fromSamples.laughter).toEqual(fromPatches.laughter);
      // The worker hands the input buffer back, as it was, for reuse (issue 21: memory freed late otherwise).
      expect(fromSamples.input).toEqual(copy);
      expect(fromPatches.input).toEqual(patchesCopy);
      // Again through the same worker, whose patches buffer is reused: the same scores.
      const again = await pool.runSamples(fromSamples.input, segment.count);
      expect(again.scores).toEqual(fromPatches.scores);
      await expect(pool.runSamples(new Float32Array(100), 1)).rejects.toThrow(/15600 samples/);
    } finally {
      await pool.dispose();
    }
  });

  // Issue 21: two workers fill both cores; the main thread (HTTP, /healthz, the decoder) must still get one.
  it.runIf(process.platform === "linux")(
    "runs its workers at a higher nice value than the calling thread",
    async () => {
      const niceValues = () => readdirSync("/proc/self/task").map((tid) => getPriority(Number(tid)));
      const mainNice = getPriority(currentThreadId());
      const before = niceValues().filter((nice) => nice === mainNice + 4).length;
      const pool = await createInferencePool({
        modelPath: resolveModelPath(),
        workers: 2,
        workerNiceIncrement: 4,
      });
      try {
        // Each worker thread, and nothing else: the calling thread keeps its own value.
        expect(niceValues().filter((nice) => nice === mainNice + 4).length).toBeGreaterThanOrEqual(
          before + 2,
        );
        expect(getPriority(currentThreadId())).toBe(mainNice);
      } finally {
        await pool.dispose();
      }
    },
  );
});
