/**
 * `npm run bench`: end-to-end engine figures on a 30-minute and a 4-hour Ogg Opus recording (24 kbit/s
 * mono, built from ../shared/audio/dev and silence), for each worker layout side by side (default 1 and 2
 * inference workers of one intra-op thread each, on the same build and the same input files), plus
 * model-only throughput on the same number of patches. Each run is a fresh process, so peak RSS is its
 * own. The load average is printed with every row: on a shared machine the figures are depressed, and a
 * row taken at load 3 cannot be compared with one taken at load 1. Prints figures; asserts nothing
 * (targets are checked by reading them).
 *
 * Options (env): BENCH_MINUTES="30,240", BENCH_LAYOUTS="1x1,2x1" (workers × intra-op threads; "1x2" is
 * one worker with two ONNX Runtime threads; "1x1@1" pins the whole process to one core with `taskset`, the
 * baseline for how a layout scales with cores rather than with workers), BENCH_ROUNDS=1 (the layouts run alternately this many times,
 * so that a change of load on a shared machine hits them alike), BENCH_DIR=.tmp/bench,
 * BENCH_BUNDLES=inference-node/dist (comma-separated bundle folders, e.g. another commit's `npm run build`
 * output copied to `.tmp/main-dist`, run alternately with the layouts: old and new back to back),
 * BENCH_MODEL_ONLY=1 (0 skips the model-only runs, which take about as long as the end-to-end ones)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import { makeBenchOpus } from "./make-bench-audio.ts";

const layoutSchema = z
  .string()
  .regex(
    /^\d+x\d+(@\d+)?$/,
    'BENCH_LAYOUTS: each layout is "<workers>x<intraOpThreads>[@<cores>]", e.g. "2x1" or "1x1@1"',
  )
  .transform((layout) => {
    const [shape, coresText] = layout.split("@");
    const [workers, threads] = shape.split("x").map(Number);
    return { name: layout, workers, threads, cores: coresText === undefined ? undefined : Number(coresText) };
  })
  .refine(
    ({ cores }) => cores === undefined || (cores >= 1 && cores <= availableParallelism()),
    `BENCH_LAYOUTS: "@<cores>" must be 1 to ${availableParallelism()} (this machine's cores)`,
  );
const envSchema = z.object({
  BENCH_MINUTES: z
    .string()
    .default("30,240")
    .transform((list) => list.split(",").map(Number))
    .pipe(z.array(z.number().int().positive("BENCH_MINUTES: whole minutes, e.g. 30,240"))),
  BENCH_LAYOUTS: z
    .string()
    .default("1x1,2x1")
    .transform((list) => list.split(","))
    .pipe(z.array(layoutSchema).min(1)),
  BENCH_ROUNDS: z.coerce.number().int().positive("BENCH_ROUNDS: a positive integer").default(1),
  BENCH_DIR: z.string().default(".tmp/bench"),
  BENCH_MODEL_ONLY: z.enum(["0", "1"], { message: "BENCH_MODEL_ONLY: 0 or 1" }).default("1"),
  BENCH_BUNDLES: z
    .string()
    .default("inference-node/dist")
    .transform((list) => list.split(","))
    .pipe(z.array(z.string().min(1, "BENCH_BUNDLES: comma-separated bundle folders")).min(1)),
});
const env = envSchema.parse(process.env);
const dir = resolve(env.BENCH_DIR);
mkdirSync(dir, { recursive: true });

/**
 * The end-to-end run uses the production bundle (`npm run build`) with the production runtime settings of
 * infra/node/giggles-inference-node.service: a 1 MB V8 semi-space and two glibc malloc arenas.
 */
const PRODUCTION_NODE_FLAGS = ["--max-semi-space-size=1"];
const PRODUCTION_ENV = { ...process.env, MALLOC_ARENA_MAX: "2" };

const runSchema = z.object({
  wallMs: z.number(),
  audioMs: z.number(),
  patches: z.number(),
  events: z.number().optional(),
  peakRssBytes: z.number().optional(),
  cpuMs: z.number().optional(),
  mainThreadCpuMs: z.number().optional(),
});

function lastJsonLine(out: string) {
  return runSchema.parse(JSON.parse(out.trim().split("\n").at(-1) ?? "null"));
}

/** `command` as run pinned to the first `cores` CPUs (util-linux `taskset`: the whole process, every thread), if given. */
function pinned(command: string[], cores: number | undefined): [string, ...string[]] {
  return cores === undefined
    ? [process.execPath, ...command]
    : ["taskset", "-c", `0-${cores - 1}`, process.execPath, ...command];
}

function runBundle(bundle: string, args: string[], cores: number | undefined) {
  const [file, ...rest] = pinned([...PRODUCTION_NODE_FLAGS, bundle, ...args], cores);
  return lastJsonLine(execFileSync(file, rest, { encoding: "utf8", env: PRODUCTION_ENV }));
}

function runChild(script: string, args: string[], cores: number | undefined) {
  const [file, ...rest] = pinned(["bin/run-ts.mjs", script, ...args], cores);
  return lastJsonLine(execFileSync(file, rest, { encoding: "utf8" }));
}

const mb = (bytes: number | undefined) => ((bytes ?? 0) / 1024 / 1024).toFixed(1);
const load = () => loadavg()[0].toFixed(2);

const showBundle = env.BENCH_BUNDLES.length > 1;
console.log(
  `| input |${showBundle ? " bundle |" : ""} workers × threads | wall | real time | peak RSS | CPU s per audio hour (calling thread) | events | model-only | e2e / model-only | e2e / first layout | load (1 min) |`,
);
console.log(`|${" --- |".repeat(showBundle ? 12 : 11)}`);
for (const minutes of env.BENCH_MINUTES) {
  const file = await makeBenchOpus(dir, minutes);
  for (let round = 0; round < env.BENCH_ROUNDS; round++) {
    // The ratio is to the first layout of the same bundle.
    const firstRtf = new Map<string, number>();
    for (const layout of env.BENCH_LAYOUTS)
      for (const bundle of env.BENCH_BUNDLES) {
        const loadBefore = load();
        const args = [String(layout.workers), String(layout.threads)];
        const e2e = runBundle(`${bundle}/bench-run-detect.mjs`, [file, ...args], layout.cores);
        const model =
          env.BENCH_MODEL_ONLY === "1"
            ? runChild("test/bench/model-only.ts", [String(e2e.patches), ...args], layout.cores)
            : undefined;
        const rtf = e2e.audioMs / e2e.wallMs;
        const modelRtf = model === undefined ? undefined : model.audioMs / model.wallMs;
        const perAudioHour = (ms: number | undefined) =>
          ms === undefined ? "?" : ((ms / e2e.audioMs) * 3600).toFixed(1);
        const cpuPerAudioHour = `${perAudioHour(e2e.cpuMs)} (${perAudioHour(e2e.mainThreadCpuMs)})`;
        if (!firstRtf.has(bundle)) firstRtf.set(bundle, rtf);
        console.log(
          `| ${minutes} min |${showBundle ? ` ${bundle} |` : ""} ${layout.workers} × ${layout.threads}${layout.cores === undefined ? "" : ` on ${layout.cores} core${layout.cores === 1 ? "" : "s"}`} | ${(e2e.wallMs / 1000).toFixed(1)} s | ${rtf.toFixed(0)}× | ` +
            `${mb(e2e.peakRssBytes)} MB | ${cpuPerAudioHour} | ${e2e.events ?? "?"} | ${modelRtf === undefined ? "–" : `${modelRtf.toFixed(0)}×`} | ` +
            `${modelRtf === undefined ? "–" : (rtf / modelRtf).toFixed(2)} | ${(rtf / (firstRtf.get(bundle) ?? rtf)).toFixed(2)} | ${loadBefore} → ${load()} |`,
        );
      }
  }
}
