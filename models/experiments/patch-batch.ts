/**
 * @module
 * Experiments' input (issue 21): `count` real log-mel patches of a dev recording (conv_001.wav, repeated) laid out
 * as one [count, 96, 64] batch, so that graph timings see the activations of speech rather than of noise.
 */
import { join } from "node:path";
import { computePatches, PATCH_VALUES } from "../../inference-node/src/features/patch-stream.ts";
import { DEV_AUDIO_DIR } from "../../test/harness/shared-assets.ts";
import { decodeFile } from "../src/head/embedder.ts";

/** @example const batch = await devPatchBatch(16); // 16 × 6144 values */
export async function devPatchBatch(count: number): Promise<Float32Array> {
  const patches = computePatches(await decodeFile(join(DEV_AUDIO_DIR, "conv_001.wav")));
  const batch = new Float32Array(count * PATCH_VALUES);
  for (let i = 0; i < count; i++) batch.set(patches[i % patches.length], i * PATCH_VALUES);
  return batch;
}
