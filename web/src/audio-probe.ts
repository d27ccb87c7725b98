/**
 * @module
 * What the page needs to know about a file before uploading it: its format (the recordings API takes WAV
 * and Ogg Opus) and its length, read from the file itself without decoding it:
 * - WAV: the `fmt ` chunk (byte rate, block align) and the `data` chunk's size;
 * - Ogg Opus: the `OpusHead` pre-skip and the granule position of the last page (48 kHz samples).
 * Anything else gets a sentence saying what to do (M4A/AAC, as phones' voice memo apps save, cannot be
 * read by the engine: export as WAV).
 */

export type UploadFormat = "wav" | "ogg-opus";

export interface WavLayout {
  /** The whole `fmt ` chunk (id, size and body), copied into every part's header. */
  fmtChunk: Uint8Array;
  dataOffset: number;
  dataBytes: number;
  blockAlign: number;
  sampleRateHz: number;
}

export interface ProbedAudio {
  format: UploadFormat;
  durationMs: number;
  /** For WAV: where the samples are, so a long file can be cut into parts. */
  wav?: WavLayout;
}

/** A file the page will not upload, with the sentence to show. */
export class UnsupportedAudioError extends Error {
  override name = "UnsupportedAudioError";
}

export const SUPPORTED_FORMATS_SENTENCE =
  "giggles takes WAV and Ogg Opus files. M4A/AAC (iPhone Voice Memos, many Android recorders) cannot be read yet: export or share the recording as WAV.";

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));

async function bytesOf(file: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(start, end).arrayBuffer());
}

async function probeWav(file: Blob): Promise<ProbedAudio> {
  const head = await bytesOf(file, 0, Math.min(file.size, 1 << 16));
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let at = 12;
  let fmt: Uint8Array | undefined;
  while (at + 8 <= head.length) {
    const id = ascii(head, at, 4);
    const size = view.getUint32(at + 4, true);
    if (id === "fmt ") fmt = head.slice(at, at + 8 + size);
    if (id === "data") {
      if (fmt === undefined) break;
      const fmtView = new DataView(fmt.buffer);
      const audioFormat = fmtView.getUint16(8, true);
      const sampleRateHz = fmtView.getUint32(12, true);
      const byteRate = fmtView.getUint32(16, true);
      const blockAlign = fmtView.getUint16(20, true);
      if (
        byteRate === 0 ||
        blockAlign === 0 ||
        (audioFormat !== 1 && audioFormat !== 3 && audioFormat !== 0xfffe)
      ) {
        throw new UnsupportedAudioError(
          "This WAV file is not plain PCM audio. Export it again as a standard WAV.",
        );
      }
      const dataOffset = at + 8;
      // A recorder that never finished the header writes 0 or 0xFFFFFFFF: the samples run to the end.
      const dataBytes = Math.min(size === 0 || size === 0xffffffff ? Infinity : size, file.size - dataOffset);
      return {
        format: "wav",
        durationMs: Math.round((dataBytes / byteRate) * 1000),
        wav: { fmtChunk: fmt, dataOffset, dataBytes, blockAlign, sampleRateHz },
      };
    }
    at += 8 + size + (size % 2);
  }
  throw new UnsupportedAudioError("This WAV file has no audio in it that giggles can find.");
}

async function probeOgg(file: Blob): Promise<ProbedAudio> {
  const head = await bytesOf(file, 0, Math.min(file.size, 4096));
  const opusHead = ascii(head, 28, 8) === "OpusHead" ? 28 : -1;
  if (opusHead < 0) {
    throw new UnsupportedAudioError("This Ogg file is not Opus audio. Export it as Ogg Opus or WAV.");
  }
  const preSkip = new DataView(head.buffer).getUint16(opusHead + 10, true);
  const tailStart = Math.max(0, file.size - 65_536);
  const tail = await bytesOf(file, tailStart, file.size);
  for (let at = tail.length - 27; at >= 0; at--) {
    if (tail[at] === 0x4f && ascii(tail, at, 4) === "OggS") {
      const granule = new DataView(tail.buffer).getBigUint64(at + 6, true);
      return { format: "ogg-opus", durationMs: Math.round((Number(granule) - preSkip) / 48) };
    }
  }
  throw new UnsupportedAudioError("This Ogg file seems cut short. Export it again.");
}

export async function probeAudio(file: Blob, name: string): Promise<ProbedAudio> {
  const magic = ascii(await bytesOf(file, 0, 12), 0, 12);
  if (magic.startsWith("RIFF") && magic.slice(8, 12) === "WAVE") return await probeWav(file);
  if (magic.startsWith("OggS")) return await probeOgg(file);
  const kind =
    /\.(m4a|aac|mp4|3gp|caf)$/i.test(name) || magic.slice(4, 8) === "ftyp" ? "An M4A/AAC file" : "This file";
  throw new UnsupportedAudioError(`${kind} cannot be uploaded. ${SUPPORTED_FORMATS_SENTENCE}`);
}

/**
 * The part of a WAV file between `fromMs` and `toMs` (from its start) as a standalone WAV: the original
 * `fmt ` chunk and the samples in between, cut at whole frames. Lazy: a Blob of slices, no copy in memory.
 */
export function wavPart(file: Blob, wav: WavLayout, fromMs: number, toMs: number): Blob {
  const frameAt = (ms: number) => Math.round((ms / 1000) * wav.sampleRateHz) * wav.blockAlign;
  const start = Math.min(frameAt(fromMs), wav.dataBytes);
  const end = Math.min(frameAt(toMs), wav.dataBytes);
  const dataBytes = end - start;
  const header = new Uint8Array(12 + wav.fmtChunk.length + 8);
  const view = new DataView(header.buffer);
  header.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, header.length - 8 + dataBytes, true);
  header.set([0x57, 0x41, 0x56, 0x45], 8); // WAVE
  header.set(wav.fmtChunk, 12);
  const dataAt = 12 + wav.fmtChunk.length;
  header.set([0x64, 0x61, 0x74, 0x61], dataAt); // data
  view.setUint32(dataAt + 4, dataBytes, true);
  return new Blob([header, file.slice(wav.dataOffset + start, wav.dataOffset + end)], { type: "audio/wav" });
}
