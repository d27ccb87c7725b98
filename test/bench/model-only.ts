/**
 * Child process of the benchmark: model-only throughput. Scores `patches` real log-mel patches (from a dev
 * recording, repeated) in batches, with the same workers/threads as the end-to-end run, and prints JSON.
 * Usage: node bin/run-ts.mjs test/bench/model-only.ts <patches> <workers> <intraOpThreads>
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { createInferencePool } from "../../inference-node/src/engine/inference-pool.ts";
import { computePatches, PATCH_VALUES } from "../../inference-node/src/features/patch-stream.ts";
import { resolveModelPath } from "../../models/src/model-paths.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";

const [patchArg = "4000", workers = "2", threads = "1"] = process.argv.slice(2);
const total = Number(patchArg);
const BATCH = 32;
const chunks: Float32Array[] = [];
for await (const c of decodeTo16kMono(createReadStream(join(DEV_AUDIO_DIR, "conv_001.wav")))) chunks.push(c);
const wave = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
let offset = 0;
for (const c of chunks) {
  wave.set(c, offset);
  offset += c.length;
}
const source = computePatches(wave);
const pool = await createInferencePool({
  modelPath: resolveModelPath(),
  workers: Number(workers),
  intraOpThreads: Number(threads),
});
const started = performance.now();
const inFlight: Promise<unknown>[] = [];
for (let done = 0; done < total; done += BATCH) {
  const count = Math.min(BATCH, total - done);
  const batch = new Float32Array(count * PATCH_VALUES);
  for (let i = 0; i < count; i++) batch.set(source[(done + i) % source.length], i * PATCH_VALUES);
  inFlight.push(pool.run(batch, count));
  if (inFlight.length >= 2 * Number(workers)) await inFlight.shift();
}
await Promise.all(inFlight);
const wallMs = performance.now() - started;
await pool.dispose();
console.log(JSON.stringify({ patches: total, wallMs, audioMs: total * 480 }));
