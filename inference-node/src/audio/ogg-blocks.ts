/**
 * @module
 * Cuts an Ogg byte stream into decoder input blocks that never straddle the end of a logical stream.
 *
 * Why: ogg-vorbis (and ogg-opus-decoder 1.7, our Opus decoder until issue 21; opus-stream-decoder.ts keeps its
 * rules) build a fresh Ogg parser when they meet an end-of-stream page, dropping whatever bytes were already
 * buffered after it. In a chained file (concatenated recordings, which
 * a pendant's upload segments are) the next stream's header page is then lost and nothing after the first
 * stream decodes. Ending every block at an EOS page, and then calling the decoder's `flush()` (which drains
 * the parser, which holds back the last page it has seen, and resets it), means no bytes of the next stream are
 * ever lost.
 *
 * Every page's CRC is checked here (the decoders' parser checks none): a damaged page is skipped and reported,
 * never handed on. A damaged page whose end-of-stream bit happened to be set once reset the decoder mid-file and
 * the rest of the recording was dropped without a word (32 of 120 s, issue 19 item 7); a damaged lacing value
 * once made a whole file look cut. After a damaged page the reader resyncs at the next capture pattern.
 *
 * A block ends before damage that follows intact pages, so its damage always comes before its pages: the
 * decoder's output can then be told apart into audio before and after the damage (ogg-gap-filler.ts fills the
 * skipped time with silence from the pages' granule positions).
 */
import { OGG_CRC_FIELD_OFFSET as CRC_FIELD_OFFSET, oggPageCrc } from "../../../shared/audio/ogg-page-crc.ts";
import type { ByteReader } from "./byte-reader.ts";
import {
  isOggCapture as isCapture,
  OGG_SEGMENT_COUNT_OFFSET,
  oggPageByteLength,
  oggPageGranule,
  oggPageIsEndOfStream,
  OGG_PAGE_HEADER_BYTES as PAGE_HEADER_BYTES,
} from "./ogg-page-header.ts";

/** Max page size: 27 + 255 lacing values + 255 × 255 bytes of data. */
const MAX_PAGE_BYTES = PAGE_HEADER_BYTES + 255 + 255 * 255;

/** Index of the next capture pattern in `bytes` at or after `from`, or `bytes.byteLength`. */
function nextCapture(bytes: Uint8Array, from: number): number {
  let at = from;
  while (at < bytes.byteLength && !isCapture(bytes, at)) at++;
  return at;
}

/** True when the page's stored CRC (bytes 22–25, little-endian) matches its bytes with that field zeroed. */
export function oggPageCrcMatches(page: Uint8Array): boolean {
  const stored =
    ((page[CRC_FIELD_OFFSET] ?? 0) |
      ((page[CRC_FIELD_OFFSET + 1] ?? 0) << 8) |
      ((page[CRC_FIELD_OFFSET + 2] ?? 0) << 16) |
      ((page[CRC_FIELD_OFFSET + 3] ?? 0) << 24)) >>>
    0;
  return oggPageCrc(page) === stored;
}

/** A stretch of input skipped because it is not a whole, intact page. */
export interface OggDamage {
  byteOffset: number;
  byteLength: number;
}

/** One decoder input block. */
export interface OggBlock {
  /** Whole pages whose CRC matched, in order. */
  bytes: Uint8Array;
  /** The block ends with an end-of-stream page: flush the decoder before feeding the next block. */
  endOfStream: boolean;
  /** The input ended inside a page: the stream was cut. */
  partialPage?: boolean;
  /** Damaged stretches skipped while reading this block (pages failing their CRC, bytes between pages). */
  damage: OggDamage[];
  /** Stream offset where the block's last intact page ends. */
  pagesEndOffset: number;
  /** Granule position of each page in `bytes`, in order (-1n: no packet ends on that page). */
  granules: bigint[];
}

/**
 * Reads about `targetBytes` of whole, CRC-checked Ogg pages, stopping early after an end-of-stream page and
 * before damage that follows pages. Damaged pages and bytes that are not pages are skipped and listed in
 * `damage`; reading resyncs at the next capture pattern. Returns empty `bytes` (and no damage) at end of input.
 */
export async function readOggBlock(reader: ByteReader, targetBytes: number): Promise<OggBlock> {
  const parts: Uint8Array[] = [];
  const granules: bigint[] = [];
  const damage: OggDamage[] = [];
  let total = 0;
  let endOfStream = false;
  let partialPage = false;
  let pagesEndOffset = reader.offset;
  /** Skips damaged bytes; false (nothing skipped) when pages were read already: the damage opens the next block. */
  const skipDamaged = async (byteCount: number): Promise<boolean> => {
    if (parts.length > 0) return false;
    const byteOffset = reader.offset;
    const byteLength = await reader.skip(byteCount);
    const last = damage.at(-1);
    if (last !== undefined && last.byteOffset + last.byteLength === byteOffset) last.byteLength += byteLength;
    else damage.push({ byteOffset, byteLength });
    return true;
  };
  while (total < targetBytes) {
    const header = await reader.peek(PAGE_HEADER_BYTES);
    if (header.byteLength === 0) break;
    if (!isCapture(header, 0)) {
      // Not at a page: skip to the next capture pattern (or a page's worth of bytes).
      if (await skipDamaged(Math.max(1, nextCapture(await reader.peek(MAX_PAGE_BYTES), 1)))) continue;
      break;
    }
    if (header.byteLength < PAGE_HEADER_BYTES) {
      partialPage = true;
      break;
    }
    const segmentCount = header[OGG_SEGMENT_COUNT_OFFSET] ?? 0;
    const pageBytes = oggPageByteLength(await reader.peek(PAGE_HEADER_BYTES + segmentCount), 0);
    const page = await reader.peek(pageBytes);
    if (page.byteLength < pageBytes) {
      // The input ends inside this page. If another page starts in what is left, this page's lacing was
      // damaged (it claims bytes that belong to the next page): skip it. Otherwise the stream was cut. A cut
      // page's header still names every packet's size and the Opus decoder fills the missing ones in (a cut
      // file once reported more audio than the whole file): drop it and say the stream was cut.
      if (nextCapture(page, 1) < page.byteLength) {
        if (await skipDamaged(1)) continue;
        break;
      }
      partialPage = true;
      break;
    }
    if (!oggPageCrcMatches(page)) {
      if (await skipDamaged(1)) continue;
      break;
    }
    granules.push(oggPageGranule(page));
    parts.push(await reader.read(pageBytes));
    total += pageBytes;
    pagesEndOffset = reader.offset;
    if (oggPageIsEndOfStream(header, 0)) {
      endOfStream = true;
      break;
    }
  }
  const flags = { endOfStream, damage, pagesEndOffset, granules, ...(partialPage ? { partialPage } : {}) };
  if (parts.length === 0) return { bytes: new Uint8Array(0), ...flags };
  if (parts.length === 1) return { bytes: parts[0] ?? new Uint8Array(0), ...flags };
  const block = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    block.set(part, at);
    at += part.byteLength;
  }
  return { bytes: block, ...flags };
}
