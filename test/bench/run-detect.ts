/**
 * Child process of the benchmark: runs the engine on one file and prints one JSON line with wall time,
 * audio duration, this process's peak RSS and CPU time (worker threads included). A fresh process per input keeps
 * peak RSS honest. Usage: node bin/run-ts.mjs test/bench/run-detect.ts <file> <workers> <intraOpThreads>
 */
import { createReadStream, readFileSync } from "node:fs";
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
const mainThreadCpuMs = mainThreadCpuTimeMs();
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
    // The calling thread's share (decoding, segmenting, detector, clips): what a second worker cannot take over.
    ...(mainThreadCpuMs === undefined ? {} : { mainThreadCpuMs }),
  }),
);

/** CPU time of this process's main thread (Linux: /proc/self/task/<pid>/stat utime + stime), else undefined. */
function mainThreadCpuTimeMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return undefined;
  }
}
