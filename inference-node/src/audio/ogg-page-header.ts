/**
 * @module
 * The fixed header of an Ogg page (RFC 3533 §6), read in place: capture pattern "OggS", header type flags at
 * byte 5, granule position at 6–13, segment count at 26, then one lacing value per segment and the payload.
 * Shared by the block reader (ogg-blocks.ts), the Opus packet reader (ogg-opus-packets.ts) and the format
 * sniffer, so the layout is written down once.
 */

/** Bytes before a page's lacing values. */
export const OGG_PAGE_HEADER_BYTES = 27;
/** Offset of the segment count (the number of lacing values that follow the header). */
export const OGG_SEGMENT_COUNT_OFFSET = 26;
const HEADER_TYPE_OFFSET = 5;
const HEADER_TYPE_END_OF_STREAM = 0x04;
const GRANULE_OFFSET = 6;

/** True when "OggS" starts at `at`. */
export function isOggCapture(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53;
}

/**
 * Whole length of the page starting at `at` (header, lacing values and payload), from its segment count and
 * lacing values, which must be in `bytes`; the payload need not be.
 */
export function oggPageByteLength(bytes: Uint8Array, at: number): number {
  const segmentCount = bytes[at + OGG_SEGMENT_COUNT_OFFSET] ?? 0;
  const lacingStart = at + OGG_PAGE_HEADER_BYTES;
  let pageBytes = OGG_PAGE_HEADER_BYTES + segmentCount;
  for (let i = 0; i < segmentCount; i++) pageBytes += bytes[lacingStart + i] ?? 0;
  return pageBytes;
}

/** True when the page starting at `at` ends its logical stream. */
export function oggPageIsEndOfStream(bytes: Uint8Array, at: number): boolean {
  return ((bytes[at + HEADER_TYPE_OFFSET] ?? 0) & HEADER_TYPE_END_OF_STREAM) !== 0;
}

/** A page's granule position (bytes 6–13, little-endian, signed: -1 means no packet ends on it). */
export function oggPageGranule(page: Uint8Array): bigint {
  return new DataView(page.buffer, page.byteOffset + GRANULE_OFFSET, 8).getBigInt64(0, true);
}
