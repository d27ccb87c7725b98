/**
 * `npm run bench`: end-to-end engine figures on a 30-minute and a 4-hour Ogg Opus recording (24 kbit/s
 * mono, built from ../shared/audio/dev and silence), plus model-only throughput on the same number of
 * patches. Prints figures; asserts nothing (targets are checked by reading them).
 *
 * Options (env): BENCH_MINUTES="30,240", BENCH_WORKERS=1, BENCH_THREADS=1, BENCH_DIR=.tmp/bench
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { makeBenchOpus } from "./make-bench-audio.ts";

const minutesList = (process.env.BENCH_MINUTES ?? "30,240").split(",").map(Number);
const workers = process.env.BENCH_WORKERS ?? "1";
const threads = process.env.BENCH_THREADS ?? "1";
// One worker: the calling thread decodes and computes log-mel on the other core.
const dir = resolve(process.env.BENCH_DIR ?? ".tmp/bench");
mkdirSync(dir, { recursive: true });

/**
 * The end-to-end run uses the production bundle (`npm run build`) with the production runtime settings of
 * infra/node/giggles-node.service: a 1 MB V8 semi-space and two glibc malloc arenas.
 */
const PRODUCTION_NODE_FLAGS = ["--max-semi-space-size=1"];
const PRODUCTION_ENV = { ...process.env, MALLOC_ARENA_MAX: "2" };

function lastJsonLine(out: string): Record<string, number> {
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

function runBundle(bundle: string, args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, [...PRODUCTION_NODE_FLAGS, bundle, ...args], {
    encoding: "utf8",
    env: PRODUCTION_ENV,
  });
  return lastJsonLine(out);
}

function runChild(script: string, args: string[]): Record<string, number> {
  return lastJsonLine(
    execFileSync(process.execPath, ["bin/run-ts.mjs", script, ...args], { encoding: "utf8" }),
  );
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rows: Record<string, number>[] = [];
for (const minutes of minutesList) {
  const file = await makeBenchOpus(dir, minutes);
  const e2e = runBundle("inference-node/dist/bench-run-detect.mjs", [file, workers, threads]);
  const model = runChild("test/bench/model-only.ts", [String(e2e.patches), workers, threads]);
  const rtf = e2e.audioMs / e2e.wallMs;
  const modelRtf = model.audioMs / model.wallMs;
  rows.push({ minutes, ...e2e, rtf, modelRtf });
  console.log(
    `${minutes} min: wall ${(e2e.wallMs / 1000).toFixed(1)} s, ${rtf.toFixed(0)}× real time, peak RSS ${mb(e2e.peakRssBytes)} MB, ` +
      `${e2e.events} events; model only ${modelRtf.toFixed(0)}× real time (end-to-end / model-only = ${(rtf / modelRtf).toFixed(2)})`,
  );
}
if (rows.length >= 2) {
  const ratio = rows.at(-1)!.peakRssBytes / rows[0].peakRssBytes;
  console.log(`peak RSS ratio ${rows.at(-1)!.minutes} min / ${rows[0].minutes} min = ${ratio.toFixed(3)}`);
}
console.log(`workers=${workers} intraOpThreads=${threads} (BENCH_WORKERS / BENCH_THREADS)`);
