/**
 * @module
 * `opusenc` (Debian opus-tools) fed 16 kHz mono samples as a streamed 16-bit WAV: the one way the benchmark
 * inputs, the head's pendant days and its pendant copies make Ogg Opus the way a pendant stores audio.
 * Samples are written as they come, so a 4-hour file never sits in memory.
 */
import { spawn } from "node:child_process";
import { renameSync } from "node:fs";
import type { Readable } from "node:stream";

const SAMPLE_RATE_HZ = 16_000;
/** Bit rate of a pendant's Opus stream, kbit/s. */
export const PENDANT_OPUS_KBPS = 24;

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

/** A running encoder. */
export interface OpusEncoder {
  /** Appends samples (clipped to [-1, 1], 16-bit); the first call writes the WAV header first. */
  write(samples: Float32Array): Promise<void>;
  /** Ends the input; resolves once opusenc has exited 0 (and a file output is in place). */
  end(): Promise<void>;
  /** The Ogg Opus stream when the output is `-`, else null. */
  stdout: Readable | null;
}

/**
 * Starts `opusenc` for `sampleCount` samples. `output` is a path (written as `<path>.part`, renamed when the
 * encoder succeeds) or `-` for {@link OpusEncoder.stdout}.
 *
 * @example const encoder = spawnOpusEncoder("day.opus", samples.length); await encoder.write(samples); await encoder.end();
 */
export function spawnOpusEncoder(
  output: string,
  sampleCount: number,
  bitrateKbps = PENDANT_OPUS_KBPS,
): OpusEncoder {
  const toStdout = output === "-";
  const target = toStdout ? "-" : `${output}.part`;
  const encoder = spawn(
    "opusenc",
    ["--quiet", "--bitrate", String(bitrateKbps), "--downmix-mono", "-", target],
    {
      stdio: ["pipe", toStdout ? "pipe" : "inherit", "inherit"],
    },
  );
  const closed = new Promise<number | null>((resolveClose, reject) => {
    encoder.on("close", resolveClose);
    encoder.on("error", (error) =>
      reject(new Error(`opusenc failed to start (apt-get install -y opus-tools): ${error.message}`)),
    );
  });
  const { stdin } = encoder;
  if (stdin === null) throw new Error("opusenc was started without a stdin pipe");
  const send = (bytes: Uint8Array) =>
    new Promise<void>((resolveWrite, reject) =>
      stdin.write(bytes, (error) => (error ? reject(error) : resolveWrite())),
    );
  let started = false;
  const start = async () => {
    if (started) return;
    started = true;
    await send(wavHeader(sampleCount));
  };
  return {
    stdout: toStdout ? encoder.stdout : null,
    async write(samples) {
      await start();
      await send(toPcm16(samples));
    },
    async end() {
      await start();
      stdin.end();
      const code = await closed;
      if (code !== 0) throw new Error(`opusenc exited with ${code}`);
      if (!toStdout) renameSync(target, output);
    },
  };
}
