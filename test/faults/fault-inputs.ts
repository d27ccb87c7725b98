/**
 * @module
 * Inputs for the fault suite and the decoder fuzz, built in memory from the dev recordings (which are
 * never copied into the repository).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { mpegFrameLength } from "../../inference-node/src/audio/mpeg-frames.ts";
import { encodeWav16 } from "../../inference-node/src/clips/wav-writer.ts";
import { OGG_CRC_FIELD_OFFSET, oggPageCrc } from "../../shared/audio/ogg-page-crc.ts";
import { spawnOpusEncoder } from "../../tooling/opus-encoder.ts";
import { seededRandom } from "../../tooling/seeded-random.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";

/** Bytes of one dev recording, e.g. `devAudio("laugh_040.wav")`. */
export function devAudio(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(DEV_AUDIO_DIR, name)));
}

/** Decodes dev recordings to 16 kHz mono and joins them, in order. */
export async function joinedDevAudio(names: readonly string[]): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const name of names) {
    async function* once() {
      yield devAudio(name);
    }
    for await (const chunk of decodeTo16kMono(once())) parts.push(chunk);
  }
  return joinArrays(parts, (length) => new Float32Array(length));
}

/**
 * Issue 10 item 1: twelve dev recordings, 59 s, with one laugh longer than the detector's 30 s split.
 * On the old engine its clip started before the cutter's buffered audio: INTERNAL, then an abort.
 */
export async function longLaughWav(): Promise<Uint8Array> {
  const names = [
    ..."035 038 040 041 049 050 053 057 059 060".split(" ").map((n) => `laugh_${n}.wav`),
    "moan_001.wav",
    "music_010.wav",
  ];
  return encodeWav16(await joinedDevAudio(names), 16_000);
}

/** Encodes 16 kHz mono audio as a CBR MP3 (lamejs, pure JS: no encoder binary needed). */
export async function encodeMp3(
  samples: Float32Array,
  sampleRateHz = 16_000,
  kbps = 32,
): Promise<Uint8Array> {
  const { Mp3Encoder } = await import("@breezystack/lamejs");
  const encoder = new Mp3Encoder(1, sampleRateHz, kbps);
  const pcm = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
  const parts: Uint8Array[] = [];
  for (let at = 0; at < pcm.length; at += 1152 * 16)
    parts.push(encoder.encodeBuffer(pcm.subarray(at, at + 1152 * 16)));
  parts.push(encoder.flush());
  return concatBytes(parts);
}

/** Joins byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return joinArrays(parts, (length) => new Uint8Array(length));
}

function joinArrays<T extends Uint8Array | Float32Array>(
  parts: readonly T[],
  make: (length: number) => T,
): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** 72 s of noise at 256 kbit/s: about 2.2 MB, decoded in well under a second. */
export const MULTI_MEGABYTE_OPUS_SECONDS = 72;
const OPUS_KBPS = 256;
const MIN_BYTES = 2_000_000;

/** Seeded noise encoded by opusenc at a high bit rate, so a short recording is several MB. */
export async function multiMegabyteOpus(): Promise<Uint8Array> {
  const random = seededRandom(19_8);
  const samples = Float32Array.from(
    { length: MULTI_MEGABYTE_OPUS_SECONDS * 16_000 },
    () => 0.6 * (random() - 0.5),
  );
  const dir = mkdtempSync(join(tmpdir(), "giggles-url-reads-"));
  try {
    const path = join(dir, "noise.opus");
    const encoder = spawnOpusEncoder(path, samples.length, OPUS_KBPS);
    await encoder.write(samples);
    await encoder.end();
    const bytes = new Uint8Array(readFileSync(path));
    if (bytes.length < MIN_BYTES)
      throw new Error(`opusenc wrote ${bytes.length} bytes; expected ≥ ${MIN_BYTES}`);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fields of a page built by {@link buildOggPage}. */
export interface OggPageFields {
  /** One value per segment (255: the packet goes on); their sum is `body`'s length. */
  lacing: readonly number[];
  body: Uint8Array;
  sequence?: number;
  granule?: bigint;
  /** Header type: 0x01 continued, 0x02 beginning of stream, 0x04 end of stream. */
  flags?: number;
  serial?: number;
}

/** One Ogg page with its CRC filled in. */
export function buildOggPage({
  lacing,
  body,
  sequence = 0,
  granule = 0n,
  flags = 0,
  serial = 0,
}: OggPageFields): Uint8Array {
  const page = new Uint8Array(27 + lacing.length + body.length);
  page.set([0x4f, 0x67, 0x67, 0x53, 0, flags]);
  const view = new DataView(page.buffer);
  view.setBigInt64(6, granule, true);
  view.setInt32(14, serial, true);
  view.setInt32(18, sequence, true);
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(body, 27 + lacing.length);
  rewriteOggPageCrc(page, 0, page.length);
  return page;
}

/** Rewrites the CRC of the page at bytes [start, end) after its bytes were changed, so the change reaches the decoder. */
export function rewriteOggPageCrc(bytes: Uint8Array, start: number, end: number): void {
  const crc = oggPageCrc(bytes.subarray(start, end));
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(start + OGG_CRC_FIELD_OFFSET, crc, true);
}

/** Byte offsets of the pages of a well-formed Ogg stream. */
export function oggPageStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  for (let at = 0; at + 27 <= bytes.length; ) {
    const segments = bytes[at + 26] ?? 0;
    let length = 27 + segments;
    for (let i = 0; i < segments; i++) length += bytes[at + 27 + i] ?? 0;
    starts.push(at);
    at += length;
  }
  return starts;
}

/** Byte offsets of the frames of a well-formed MP3 stream (without tags). */
export function mpegFrameStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = mpegFrameLength(bytes, at);
    if (length === 0) break;
    starts.push(at);
    at += length;
  }
  return starts;
}
