/**
 * @module
 * Builds the benchmark inputs: Ogg Opus files (24 kbit/s mono, like the pendant's) of a given length,
 * made of the dev recordings separated by silence, repeated. Streams a 16 kHz WAV into `opusenc`, so
 * even the 4-hour file never sits in memory. Needs Debian's opus-tools.
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { spawnOpusEncoder } from "../../tooling/opus-encoder.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";

const SAMPLE_RATE_HZ = 16_000;
const GAP_SECONDS = 20;

/** The dev recordings, decoded to 16 kHz, each followed by GAP_SECONDS of silence (about 16 minutes). */
async function loadPattern(): Promise<Float32Array[]> {
  const files = readFileSync(join(DEV_AUDIO_DIR, "manifest.csv"), "utf8").trim().split("\n").slice(1);
  const pattern: Float32Array[] = [];
  for (const row of files) {
    const [file] = row.split(",");
    for await (const chunk of decodeTo16kMono(createReadStream(join(DEV_AUDIO_DIR, file))))
      pattern.push(chunk);
    pattern.push(new Float32Array(GAP_SECONDS * SAMPLE_RATE_HZ));
  }
  return pattern;
}

/** Writes `<dir>/bench-<minutes>min.opus` unless it exists; returns its path. */
export async function makeBenchOpus(dir: string, minutes: number): Promise<string> {
  const path = join(dir, `bench-${minutes}min.opus`);
  if (existsSync(path)) return path;
  const pattern = await loadPattern();
  const total = minutes * 60 * SAMPLE_RATE_HZ;
  const encoder = spawnOpusEncoder(path, total);
  let written = 0;
  while (written < total) {
    for (const chunk of pattern) {
      const take = Math.min(chunk.length, total - written);
      if (take <= 0) break;
      await encoder.write(chunk.subarray(0, take));
      written += take;
    }
  }
  await encoder.end();
  return path;
}
