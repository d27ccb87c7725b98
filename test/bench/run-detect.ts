/**
 * Child process of the benchmark: runs the engine on one file and prints one JSON line with wall time,
 * audio duration, this process's peak RSS and CPU time (worker threads included). A fresh process per input keeps
 * peak RSS honest. Usage: node bin/run-ts.mjs test/bench/run-detect.ts <file> <workers> <intraOpThreads>
 */
import { createReadStream } from "node:fs";
import { createEngine } from "../../inference-node/src/engine/engine.ts";

const [file, workers = "2", threads = "1"] = process.argv.slice(2);
const engine = await createEngine({ workers: Number(workers), intraOpThreads: Number(threads) });
const started = performance.now();
let clips = 0;
const result = await engine.detect(createReadStream(file, { highWaterMark: 64 * 1024 }), {
  onClip: () => {
    clips++;
  },
});
const wallMs = performance.now() - started;
const usage = process.resourceUsage();
await engine.dispose();
console.log(
  JSON.stringify({
    wallMs,
    audioMs: result.durationMs,
    patches: result.patchCount,
    events: result.events.length,
    clips,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    // CPU time of every thread (user + system, includes the model load): on a busy machine the wall time
    // says little, the CPU seconds per audio hour still do.
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  }),
);
