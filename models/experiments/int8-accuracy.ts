/**
 * @module
 * Experiment (issue 21; never feeds the shipped model): how far the int8 graph moves YAMNet's outputs. Run models/experiments/int8-ab.ts first
 * (it writes .tmp/int8-ab/yamnet-{float,int8}.onnx). Prints
 *  1. max |Δ| of all 521 scores against the independent float reference (../shared/fixtures/yamnet-reference),
 *     for each graph, scored in the engine's batches of 16 patches, as one batch, and patch by patch;
 *  2. max |Δ| of `laughter` (and of the scores) int8 vs float on the dev set and daylife recordings;
 *  3. the events of the engine (`giggles detect`'s path) with each graph on the dev set, and which differ.
 *
 * node bin/run-ts.mjs models/experiments/int8-accuracy.ts   (about 2.5 minutes)
 */
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as ort from "onnxruntime-node";
import { createEngine } from "../../inference-node/src/engine/engine.ts";
import type { LaughterEvent } from "../../inference-node/src/engine/types.ts";
import { computePatches, PATCH_VALUES } from "../../inference-node/src/features/patch-stream.ts";
import { CLASS_COUNT } from "../../shared/yamnet/constants.ts";
import { DEV_AUDIO_DIR, SHARED_DIR, YAMNET_REFERENCE_DIR } from "../../test/harness/shared-assets.ts";
import { decodeFile } from "../src/head/embedder.ts";
import { decodeWavPcm16 } from "../src/test-wav.ts";

const DIR = ".tmp/int8-ab";
const GRAPHS = ["float", "int8"] as const;
const sessions = new Map<string, ort.InferenceSession>();
for (const g of GRAPHS) sessions.set(g, await ort.InferenceSession.create(join(DIR, `yamnet-${g}.onnx`)));

async function run(graph: string, patches: Float32Array[], batch: number) {
  const session = sessions.get(graph);
  if (!session) throw new Error(graph);
  const scores = new Float32Array(patches.length * CLASS_COUNT);
  const laughter = new Float32Array(patches.length);
  for (let start = 0; start < patches.length; start += batch) {
    const count = Math.min(batch, patches.length - start);
    const input = new Float32Array(count * PATCH_VALUES);
    for (let i = 0; i < count; i++) input.set(patches[start + i], i * PATCH_VALUES);
    const out = await session.run({ patches: new ort.Tensor("float32", input, [count, 96, 64]) });
    scores.set(out.scores.data as Float32Array, start * CLASS_COUNT);
    laughter.set(out.laughter.data as Float32Array, start);
  }
  return { scores, laughter };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// 1. Against the reference.
const refNames = readdirSync(YAMNET_REFERENCE_DIR).filter((f) => f.endsWith(".json"));
const worst = new Map<string, { diff: number; file: string }>();
for (const name of refNames) {
  const reference = JSON.parse(readFileSync(join(YAMNET_REFERENCE_DIR, name), "utf8")) as {
    file: string;
    scores: number[][];
  };
  const wav = decodeWavPcm16(readFileSync(join(YAMNET_REFERENCE_DIR, reference.file)));
  const patches = computePatches(wav.samples);
  const flat = Float32Array.from(reference.scores.flat());
  for (const g of GRAPHS) {
    for (const [label, batch] of [
      ["batch16", 16],
      ["one batch", patches.length],
      ["batch1", 1],
    ] as const) {
      const { scores } = await run(g, patches, batch);
      const key = `${g} ${label}`;
      const d = maxAbsDiff(scores, flat);
      if (d > (worst.get(key)?.diff ?? -1)) worst.set(key, { diff: d, file: name });
    }
  }
}
console.log(`1. max |Δ| of 521 scores vs reference (${refNames.length} fixtures):`);
for (const [k, v] of worst) console.log(`   ${k.padEnd(16)} ${v.diff.toExponential(2)} (${v.file})`);

// 2. int8 vs float on the dev set and daylife.
const listAudio = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listAudio(join(dir, e.name))
      : /\.(wav|opus|mp3|flac|ogg)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
for (const [setName, dir] of [
  ["dev", DEV_AUDIO_DIR],
  ["daylife", join(SHARED_DIR, "audio/daylife")],
] as const) {
  let laughterMax = 0;
  let scoresMax = 0;
  let patchesTotal = 0;
  let worstFile = "";
  let above05Flips = 0;
  for (const file of listAudio(dir)) {
    const patches = computePatches(await decodeFile(file));
    const f = await run("float", patches, 16);
    const q = await run("int8", patches, 16);
    const d = maxAbsDiff(f.laughter, q.laughter);
    if (d > laughterMax) {
      laughterMax = d;
      worstFile = relative(dir, file);
    }
    for (let i = 0; i < f.laughter.length; i++)
      if (f.laughter[i] > 0.5 !== q.laughter[i] > 0.5) above05Flips++;
    scoresMax = Math.max(scoresMax, maxAbsDiff(f.scores, q.scores));
    patchesTotal += patches.length;
  }
  console.log(
    `2. ${setName}: ${patchesTotal} patches; int8 vs float max |Δ| laughter ${laughterMax.toExponential(2)} (${worstFile}), ` +
      `scores ${scoresMax.toExponential(2)}; patches crossing 0.5 one way only: ${above05Flips}`,
  );
}

// 3. Engine events on the dev set.
const describe = (e: LaughterEvent) => `${e.startMs}-${e.endMs} peak ${e.peakProbability.toFixed(3)}`;
const engines = new Map<string, Awaited<ReturnType<typeof createEngine>>>();
for (const g of GRAPHS) engines.set(g, await createEngine({ modelPath: join(DIR, `yamnet-${g}.onnx`) }));
let same = 0;
let eventsTotal = 0;
const changed: string[] = [];
let peakMax = 0;
for (const file of listAudio(DEV_AUDIO_DIR)) {
  const results: LaughterEvent[][] = [];
  for (const g of GRAPHS) {
    const engine = engines.get(g);
    if (!engine) throw new Error(g);
    results.push((await engine.detect(createReadStream(file))).events);
  }
  const [f, q] = results;
  eventsTotal += f.length;
  const boundsSame =
    f.length === q.length && f.every((e, i) => e.startMs === q[i].startMs && e.endMs === q[i].endMs);
  if (boundsSame) {
    same++;
    for (let i = 0; i < f.length; i++)
      peakMax = Math.max(peakMax, Math.abs(f[i].peakProbability - q[i].peakProbability));
  } else {
    changed.push(
      `${relative(DEV_AUDIO_DIR, file)}: float [${f.map(describe).join("; ")}] int8 [${q.map(describe).join("; ")}]`,
    );
  }
}
for (const engine of engines.values()) await engine.dispose();
console.log(
  `3. engine events on the dev set: ${same} of ${same + changed.length} files identical bounds (${eventsTotal} float events); ` +
    `max |Δ peak| on identical events ${peakMax.toExponential(2)}`,
);
for (const line of changed) console.log(`   changed: ${line}`);
for (const s of sessions.values()) await s.release();
