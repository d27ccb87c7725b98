/**
 * The calling thread's decode alone: `decodeTo16kMono` over the bench's Ogg Opus recording (built by
 * make-bench-audio.ts if missing), printing CPU seconds per audio hour and peak RSS for each of three rounds.
 * Not part of `npm test`. Usage: node bin/run-ts.mjs test/bench/decode-bench.ts [minutes=120] [dir=.tmp/bench]
 */
import { createReadStream, mkdirSync } from "node:fs";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { makeBenchOpus } from "./make-bench-audio.ts";

const ROUNDS = 3;
const minutes = Number(process.argv[2] ?? "120");
if (!Number.isInteger(minutes) || minutes < 1) {
  throw new Error(`minutes must be a positive integer, got ${process.argv[2]}`);
}
const dir = process.argv[3] ?? ".tmp/bench";
mkdirSync(dir, { recursive: true });
const file = await makeBenchOpus(dir, minutes);

for (let round = 1; round <= ROUNDS; round++) {
  const cpuBefore = process.cpuUsage();
  const wallStartMs = performance.now();
  let samples = 0;
  for await (const chunk of decodeTo16kMono(createReadStream(file, { highWaterMark: 1 << 16 }))) {
    samples += chunk.length;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const audioHours = samples / 16_000 / 3600;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      round,
      audioHours,
      wallMs: Math.round(performance.now() - wallStartMs),
      cpuSPerAudioHour: Number((cpuS / audioHours).toFixed(3)),
      peakRssMb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    }),
  );
}
