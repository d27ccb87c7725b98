/**
 * @module
 * Experiment (issue 21; never feeds the shipped model): builds the float and the int8 YAMNet graphs (models/src/convert.ts `precision`) into
 * .tmp/int8-ab and times them back to back in this process (one intra-op thread each, alternating rounds,
 * so a change of load on a shared machine hits both alike). Prints ms per patch and the ratio.
 * CPU time is the figure to read on a shared machine (wall time moves with the load; the load is printed).
 *
 * node bin/run-ts.mjs models/experiments/int8-ab.ts [rounds=5] [batch=16] [runsPerRound=40]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { loadTflite } from "../src/build.ts";
import { convertYamnet, PRECISIONS } from "../src/convert.ts";
import { loadHeadArtifact } from "../src/head/head-artifact.ts";
import { devPatchBatch } from "./patch-batch.ts";

const [roundsArg = "5", batchArg = "16", runsArg = "40"] = process.argv.slice(2);
const rounds = Number(roundsArg);
const batch = Number(batchArg);
const runs = Number(runsArg);
const dir = ".tmp/int8-ab";
mkdirSync(dir, { recursive: true });
const { bytes } = await loadTflite();
const head = loadHeadArtifact();
const input = await devPatchBatch(batch);
const tensor = new ort.Tensor("float32", input, [batch, 96, 64]);
const sessions = new Map<string, ort.InferenceSession>();
for (const precision of PRECISIONS) {
  const path = join(dir, `yamnet-${precision}.onnx`);
  writeFileSync(path, convertYamnet(bytes, { precision, head }).onnx);
  const session = await ort.InferenceSession.create(path, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
  for (let i = 0; i < 5; i++) await session.run({ patches: tensor });
  sessions.set(precision, session);
}
const totals = new Map<string, number[]>();
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; batch ${batch}, ${runs} runs per round`,
);
for (let r = 0; r < rounds; r++) {
  const row: string[] = [];
  for (const [precision, session] of sessions) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < runs; i++) await session.run({ patches: tensor });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStart);
    const msPerPatch = wallMs / (runs * batch);
    totals.set(precision, [...(totals.get(precision) ?? []), msPerPatch]);
    row.push(
      `${precision} ${msPerPatch.toFixed(3)} ms/patch (cpu ${((cpu.user + cpu.system) / 1000 / (runs * batch)).toFixed(3)})`,
    );
  }
  console.log(`round ${r + 1}: ${row.join("  ")}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = median(totals.get("float") ?? []);
const q = median(totals.get("int8") ?? []);
console.log(
  `median: float ${f.toFixed(3)} ms/patch, int8 ${q.toFixed(3)} ms/patch, float/int8 ${(f / q).toFixed(2)}×; ` +
    `CPU s per audio hour (7500 patches): float ${(f * 7.5).toFixed(2)}, int8 ${(q * 7.5).toFixed(2)}`,
);
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
for (const session of sessions.values()) await session.release();
