/**
 * @module
 * Cuts an Ogg byte stream into decoder input blocks that never straddle the end of a logical stream.
 *
 * Why: ogg-opus-decoder 1.7 (and ogg-vorbis) build a fresh Ogg parser when they meet an end-of-stream page,
 * dropping whatever bytes were already buffered after it. In a chained file (concatenated recordings, which
 * a pendant's upload segments are) the next stream's header page is then lost and nothing after the first
 * stream decodes. Ending every block at an EOS page, and then calling the decoder's `flush()` (which drains
 * the parser, which holds back the last page it has seen, and resets it), means no bytes of the next stream are
 * ever lost.
 */
import type { ByteReader } from "./byte-reader.ts";

const PAGE_HEADER_BYTES = 27;
const HEADER_TYPE_END_OF_STREAM = 0x04;
/** Max page size: 27 + 255 lacing values + 255 × 255 bytes of data. */
const MAX_PAGE_BYTES = PAGE_HEADER_BYTES + 255 + 255 * 255;

const isCapture = (bytes: Uint8Array, at: number): boolean =>
  bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53;

/** One decoder input block. */
export interface OggBlock {
  bytes: Uint8Array;
  /** The block ends with an end-of-stream page: flush the decoder before feeding the next block. */
  endOfStream: boolean;
  /** The input ended inside a page: the stream was cut. */
  partialPage?: boolean;
}

/**
 * Reads about `targetBytes` of whole Ogg pages, stopping early after an end-of-stream page. Bytes that do
 * not parse as pages (damage) are passed through so the decoder's own resync and error reporting see them.
 * Returns empty `bytes` at end of input.
 */
export async function readOggBlock(reader: ByteReader, targetBytes: number): Promise<OggBlock> {
  const parts: Uint8Array[] = [];
  let total = 0;
  let endOfStream = false;
  let partialPage = false;
  while (total < targetBytes) {
    const header = await reader.peek(PAGE_HEADER_BYTES);
    if (header.byteLength === 0) break;
    if (header.byteLength < PAGE_HEADER_BYTES || !isCapture(header, 0)) {
      // Not at a page: hand over bytes up to the next capture pattern (or a window's worth) unchanged.
      const window = await reader.peek(MAX_PAGE_BYTES);
      let next = 1;
      while (next < window.byteLength && !isCapture(window, next)) next++;
      const raw = await reader.read(next);
      parts.push(raw);
      total += raw.byteLength;
      continue;
    }
    const segmentCount = header[26]!;
    const withLacing = await reader.peek(PAGE_HEADER_BYTES + segmentCount);
    let pageBytes = PAGE_HEADER_BYTES + segmentCount;
    for (let i = 0; i < segmentCount; i++) pageBytes += withLacing[PAGE_HEADER_BYTES + i] ?? 0;
    const page = await reader.read(pageBytes);
    if (page.byteLength < pageBytes) {
      // The input ends inside this page. Its header still names every packet's size, and the Opus
      // decoder fills the missing ones in (a cut file once reported more audio than the whole file):
      // drop the partial page and say the stream was cut.
      partialPage = true;
      break;
    }
    parts.push(page);
    total += page.byteLength;
    if ((header[5]! & HEADER_TYPE_END_OF_STREAM) !== 0) {
      endOfStream = true;
      break;
    }
  }
  if (parts.length === 0)
    return { bytes: new Uint8Array(0), endOfStream, ...(partialPage ? { partialPage } : {}) };
  if (parts.length === 1) return { bytes: parts[0]!, endOfStream, ...(partialPage ? { partialPage } : {}) };
  const block = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    block.set(part, at);
    at += part.byteLength;
  }
  return { bytes: block, endOfStream, ...(partialPage ? { partialPage } : {}) };
}
