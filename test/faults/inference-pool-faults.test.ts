/**
 * Fault suite: the inference pool (issue 10 items 2 and 15). Real ONNX sessions in real worker threads.
 */
import { describe, expect, it } from "vitest";
import { createInferencePool } from "../../inference-node/src/engine/inference-pool.ts";
import { PATCH_VALUES } from "../../inference-node/src/features/patch-stream.ts";
import { resolveModelPath } from "../../models/src/model-paths.ts";

const DYING_WORKER = new URL("./dying-inference-worker.mjs", import.meta.url);

describe("item 15: a dead inference worker", () => {
  it("is replaced: the batch it held fails, the next ones are scored", async () => {
    const pool = await createInferencePool({ modelPath: resolveModelPath(), workerUrl: DYING_WORKER });
    try {
      const batch = () => new Float32Array(2 * PATCH_VALUES);
      expect((await pool.run(batch(), 2)).scores.length).toBe(2 * 521);
      await expect(pool.run(batch(), 2)).rejects.toThrow(/exited with code 70/);
      expect((await pool.run(batch(), 2)).scores.length).toBe(2 * 521);
    } finally {
      await pool.dispose();
    }
  });
});

describe("item 2: dispose() with batches in flight", () => {
  it("lets them finish instead of terminating a thread inside an ONNX run", async () => {
    const pool = await createInferencePool({ modelPath: resolveModelPath() });
    const runs = Array.from({ length: 4 }, () => pool.run(new Float32Array(16 * PATCH_VALUES), 16));
    await pool.dispose();
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
  });
});
