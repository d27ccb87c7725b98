/**
 * @module
 * Ogg Opus bodies for the Limitless stand-in: audio files (the dev recordings, or any folder's) decoded
 * to 16 kHz mono, joined with silence, encoded by `opusenc` at 24 kbit/s (like the pendant's), cached
 * under `.tmp/limitless-audio/` by the files' names and sizes. Never committed.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { encodeWav16 } from "../../inference-node/src/clips/wav-writer.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const CACHE_DIR = join(REPO_ROOT, ".tmp", "limitless-audio");
const SAMPLE_RATE_HZ = 16_000;

/**
 * `paths` joined by `gapSeconds` of silence (and led by it), as Ogg Opus bytes at `bitrateKbps` (the
 * pendant's 24 by default; another rate is encoded hard-CBR, so a test knows what a second weighs).
 */
export async function windowOggOpus(
  paths: readonly string[],
  gapSeconds = 2,
  bitrateKbps = 24,
): Promise<Uint8Array> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const rate = bitrateKbps === 24 ? [] : [`cbr${bitrateKbps}`];
  const id = createHash("sha1")
    .update(JSON.stringify([gapSeconds, ...rate, ...paths.map((p) => `${basename(p)}:${statSync(p).size}`)]))
    .digest("hex")
    .slice(0, 16);
  const out = join(CACHE_DIR, `window-${id}.opus`);
  if (!existsSync(out)) {
    const parts: Float32Array[] = [];
    const gap = new Float32Array(gapSeconds * SAMPLE_RATE_HZ);
    for (const path of paths) {
      parts.push(gap);
      for await (const chunk of decodeTo16kMono(createReadStream(path))) parts.push(chunk);
    }
    parts.push(gap);
    const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      samples.set(part, offset);
      offset += part.length;
    }
    const wav = `${out}.wav`;
    writeFileSync(wav, encodeWav16(samples));
    const cbr = bitrateKbps === 24 ? [] : ["--hard-cbr"];
    execFileSync("opusenc", ["--quiet", "--bitrate", String(bitrateKbps), ...cbr, wav, `${out}.part`]);
    rmSync(wav);
    renameSync(`${out}.part`, out);
  }
  return new Uint8Array(readFileSync(out));
}
