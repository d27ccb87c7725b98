/**
 * @module
 * Builds the benchmark inputs: Ogg Opus files (24 kbit/s mono, like the pendant's) of a given length,
 * made of the dev recordings separated by silence, repeated. Streams a 16 kHz WAV into `opusenc`, so
 * even the 4-hour file never sits in memory. Needs Debian's opus-tools.
 */
import { spawn } from "node:child_process";
import { createReadStream, existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";

const SAMPLE_RATE_HZ = 16_000;
const GAP_SECONDS = 20;

/** Header of a 16 kHz mono 16-bit WAV of `sampleCount` samples (streamed into opusenc before the data). */
export function wavHeader(sampleCount: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const dataBytes = sampleCount * 2;
  header.set(new TextEncoder().encode("RIFF"), 0);
  view.setUint32(4, 36 + dataBytes, true);
  header.set(new TextEncoder().encode("WAVEfmt "), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, SAMPLE_RATE_HZ, true);
  view.setUint32(28, SAMPLE_RATE_HZ * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  header.set(new TextEncoder().encode("data"), 36);
  view.setUint32(40, dataBytes, true);
  return header;
}

/** Samples in [-1, 1] as little-endian 16-bit PCM. */
export function toPcm16(samples: Float32Array): Uint8Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767);
  return new Uint8Array(out.buffer);
}

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
  const encoder = spawn("opusenc", ["--quiet", "--bitrate", "24", "--downmix-mono", "-", `${path}.part`], {
    stdio: ["pipe", "inherit", "inherit"],
  });
  const closed = new Promise<number | null>((resolveClose) => encoder.on("close", resolveClose));
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolveWrite, reject) =>
      encoder.stdin.write(bytes, (error) => (error ? reject(error) : resolveWrite())),
    );
  await write(wavHeader(total));
  let written = 0;
  while (written < total) {
    for (const chunk of pattern) {
      const take = Math.min(chunk.length, total - written);
      if (take <= 0) break;
      await write(toPcm16(chunk.subarray(0, take)));
      written += take;
    }
  }
  encoder.stdin.end();
  const code = await closed;
  if (code !== 0)
    throw new Error(`opusenc exited with ${code}; install opus-tools (apt-get install -y opus-tools)`);
  renameSync(`${path}.part`, path);
  return path;
}
