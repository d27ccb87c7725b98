/**
 * @module
 * Identifies the container/codec from the first bytes, so uploads need no trustworthy file name or MIME type.
 */
import type { AudioFormat } from "../engine/types.ts";
import { OGG_PAGE_HEADER_BYTES, OGG_SEGMENT_COUNT_OFFSET } from "./ogg-page-header.ts";

/** Bytes {@link sniffFormat} needs to decide; fewer is fine only when the whole input is shorter. */
export const SNIFF_BYTE_COUNT = 512;

/** True when the ASCII `text` stands in `bytes` at `at`. */
export const asciiAt = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (at + text.length > bytes.byteLength) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** First packet of the first Ogg page; the codec's identification header always starts there (RFC 3533). */
const firstOggPacket = (head: Uint8Array): Uint8Array | undefined => {
  if (head.byteLength < OGG_PAGE_HEADER_BYTES) return undefined;
  const segmentCount = head[OGG_SEGMENT_COUNT_OFFSET]!;
  const start = OGG_PAGE_HEADER_BYTES + segmentCount;
  return start < head.byteLength ? head.subarray(start) : undefined;
};

/**
 * MPEG audio frame header check: 11-bit sync plus non-reserved version, layer, bitrate and rate fields.
 * AAC ADTS shares the sync word but has layer bits 00, so it is rejected here.
 */
const isMpegFrameHeader = (head: Uint8Array, at: number): boolean => {
  if (at + 4 > head.byteLength) return false;
  const b1 = head[at + 1]!;
  const b2 = head[at + 2]!;
  if (head[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrateIndex !== 15 && rateIndex !== 3;
};

/**
 * Returns the format of a stream from its first bytes (ideally {@link SNIFF_BYTE_COUNT}), or `undefined`
 * when it is not one we decode.
 *
 * @example
 * ```ts
 * sniffFormat(new TextEncoder().encode("fLaC\0\0\0\x22")); // "flac"
 * ```
 */
export function sniffFormat(head: Uint8Array): AudioFormat | undefined {
  if (
    (asciiAt(head, 0, "RIFF") || asciiAt(head, 0, "RF64") || asciiAt(head, 0, "BW64")) &&
    asciiAt(head, 8, "WAVE")
  ) {
    return "wav";
  }
  if (asciiAt(head, 0, "OggS")) {
    const packet = firstOggPacket(head);
    if (packet === undefined) return undefined;
    if (asciiAt(packet, 0, "OpusHead")) return "ogg-opus";
    if (asciiAt(packet, 0, "\x01vorbis")) return "ogg-vorbis";
    return undefined;
  }
  if (asciiAt(head, 0, "fLaC")) return "flac";
  if (asciiAt(head, 0, "ID3")) return "mp3";
  if (isMpegFrameHeader(head, 0)) return "mp3";
  return undefined;
}

/**
 * For inputs {@link sniffFormat} rejects, names what the file probably is so the error tells the user what
 * to convert, instead of a bare "unknown format".
 */
export function describeUnsupported(head: Uint8Array): string {
  if (head.byteLength === 0) return "no bytes";
  if (asciiAt(head, 0, "RIFX")) return "big-endian WAV (RIFX); only little-endian RIFF/RF64 WAV is supported";
  if (asciiAt(head, 0, "RIFF")) return "a RIFF file that is not WAVE (e.g. AVI)";
  if (asciiAt(head, 0, "OggS")) {
    const packet = firstOggPacket(head);
    if (packet === undefined) return "an Ogg stream whose first page is cut short";
    if (asciiAt(packet, 0, "\x7fFLAC"))
      return "Ogg FLAC (FLAC inside Ogg); re-encode as native .flac or Ogg Opus";
    if (asciiAt(packet, 0, "Speex   ")) return "Ogg Speex";
    if (asciiAt(packet, 0, "\x80theora")) return "Ogg Theora video";
    return "an Ogg stream with an unknown codec";
  }
  if (asciiAt(head, 4, "ftyp")) return "MP4/M4A/AAC (ISO BMFF)";
  if (head.byteLength >= 2 && head[0] === 0xff && (head[1]! & 0xf6) === 0xf0) return "AAC (ADTS)";
  if (asciiAt(head, 0, "FORM")) return "AIFF";
  if (asciiAt(head, 0, "#!AMR")) return "AMR";
  if (asciiAt(head, 0, "\x1aE\xdf\xa3")) return "Matroska/WebM";
  return "unrecognised bytes";
}
