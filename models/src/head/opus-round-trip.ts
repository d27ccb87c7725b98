/**
 * @module
 * Audio as a pendant stores it: 16 kHz mono samples encoded to Ogg Opus at 24 kbit/s with `opusenc`
 * (Debian opus-tools, the encoder the pendant-day evaluation uses) and decoded again by the engine's own
 * decoder. Training on such copies lets the head see the codec's smearing it meets in production.
 */
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { decodeTo16kMono } from "../../../inference-node/src/audio/decode-stream.ts";
import { toPcm16, wavHeader } from "../../../test/bench/make-bench-audio.ts";
import { concat } from "./embedder.ts";

/** Bit rate of a pendant's Opus stream, kbit/s. */
export const PENDANT_OPUS_KBPS = 24;

/**
 * `samples` through Opus at `bitrateKbps` and back (16 kHz mono, same start; the encoder's pre-skip is
 * removed by the decoder).
 *
 * @example const heard = await opusRoundTrip(await decodeFile("laugh.wav"));
 */
export async function opusRoundTrip(
  samples: Float32Array,
  bitrateKbps = PENDANT_OPUS_KBPS,
): Promise<Float32Array> {
  const encoder = spawn(
    "opusenc",
    ["--quiet", "--bitrate", String(bitrateKbps), "--downmix-mono", "-", "-"],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolveExit, reject) => {
    encoder.on("close", resolveExit);
    encoder.on("error", (error) =>
      reject(new Error(`opusenc failed to start (apt-get install opus-tools): ${error.message}`)),
    );
  });
  const input = Readable.from([wavHeader(samples.length), toPcm16(samples)]);
  input.pipe(encoder.stdin);
  const chunks: Float32Array[] = [];
  let length = 0;
  for await (const chunk of decodeTo16kMono(encoder.stdout)) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`opusenc exited with ${code}`);
  return concat(chunks, length);
}
