/**
 * @module
 * Experiment (issue 21; never feeds the shipped model): ONNX Runtime's per-op profile (`enableProfiling`) of a
 * YAMNet graph on 16-patch batches of a dev recording, one intra-op thread, summed by layer kind (first conv,
 * depthwise, pointwise, dense, mean, head, other) and by operator. KEEP_PROFILE=1 keeps ORT's JSON in .tmp.
 *
 * node bin/run-ts.mjs models/experiments/graph-profile.ts [model.onnx=models/build/yamnet.onnx] [runs=50]
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { resolveModelPath } from "../src/model-paths.ts";
import { devPatchBatch } from "./patch-batch.ts";

const [modelPath = resolveModelPath(), runsArg = "50"] = process.argv.slice(2);
const BATCH = 16;
const input = await devPatchBatch(BATCH);
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ["cpu"],
  graphOptimizationLevel: "all",
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  enableProfiling: true,
  profileFilePrefix: ".tmp/ort-profile",
  logSeverityLevel: 3,
});
const tensor = new ort.Tensor("float32", input, [BATCH, 96, 64]);
for (let i = 0; i < 5; i++) await session.run({ patches: tensor });
const runs = Number(runsArg);
const started = performance.now();
for (let i = 0; i < runs; i++) await session.run({ patches: tensor });
const wallMs = performance.now() - started;
session.endProfiling();
await session.release();
// onnxruntime-node's endProfiling returns nothing: the newest file with our prefix is this run's.
const file = readdirSync(".tmp")
  .filter((f) => f.startsWith("ort-profile"))
  .map((f) => join(".tmp", f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
const events = JSON.parse(readFileSync(file, "utf8")) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}[];
if (!process.env.KEEP_PROFILE) rmSync(file);
const byKind = new Map<string, number>();
const byOp = new Map<string, number>();
let total = 0;
for (const e of events) {
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const op = e.args?.op_name ?? "?";
  const shapes = (e.args?.input_type_shape ?? []).map((s) => Object.values(s)[0]);
  const w = shapes[1] ?? [];
  const x = shapes[0] ?? [];
  let kind = "other";
  if (/Conv/.test(op)) {
    if (w.length >= 4 && w[2] === 1 && w[3] === 1) kind = "pointwise";
    else if (x[1] === 1) kind = "first conv";
    else kind = "depthwise";
  } else if (/MatMul|Gemm/.test(op)) kind = /laughter/.test(e.name) ? "head" : "dense";
  else if (/Reduce/.test(op)) kind = "mean";
  else if (/laughter/.test(e.name)) kind = "head";
  byKind.set(kind, (byKind.get(kind) ?? 0) + e.dur);
  const key = `${op} ${kind}`;
  byOp.set(key, (byOp.get(key) ?? 0) + e.dur);
  total += e.dur;
}
const table = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(
      ([k, us]) =>
        `${k.padEnd(32)} ${(us / 1000 / runs).toFixed(2).padStart(8)} ms/run  ${((100 * us) / total).toFixed(1)}%`,
    )
    .join("\n");
console.log(
  `model ${modelPath}; ${runs} runs of ${BATCH} patches; wall ${(wallMs / runs).toFixed(2)} ms/run`,
);
console.log(table(byKind));
console.log("--");
console.log(table(byOp));
