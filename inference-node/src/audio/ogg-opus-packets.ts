/**
 * @module
 * Ogg pages to Opus packets (RFC 3533 framing, RFC 7845 Ogg Opus): splits the whole, CRC-checked pages that
 * ogg-blocks.ts hands over, joins packets continued across pages (and so across blocks), reads the OpusHead
 * identification header, and counts a packet's duration from its TOC byte (RFC 6716 §3.1).
 *
 * Why our own: `ogg-opus-decoder`'s general-purpose parser (codec-parser) allocated objects, string keys and
 * copies per page and per packet; without it decoding costs about a quarter less CPU (issue 21). The rules it applied are kept
 * where they decide what is decoded, so the samples stay bit-identical: headers are told apart by page
 * sequence number (page 0 is OpusHead, page 1 OpusTags), a packet left open at a page's end is joined to the
 * next page's first packet of the same logical stream, and a stream whose first page is not an Opus
 * identification header is not Opus (an Ogg Skeleton track) and is ignored.
 */

import {
  isOggCapture,
  OGG_PAGE_HEADER_BYTES,
  OGG_SEGMENT_COUNT_OFFSET,
  oggPageByteLength,
  oggPageGranule,
  oggPageIsEndOfStream,
} from "./ogg-page-header.ts";
import { asciiAt } from "./sniff-format.ts";

/** A lacing value of 255 means the packet goes on in the next segment (and, at a page's end, the next page). */
const CONTINUED_LACING = 255;

/** What an Ogg page's fixed header says; `body` is the page's payload (its packets' bytes). */
export interface OggPage {
  serialNumber: number;
  sequenceNumber: number;
  /** Samples (48 kHz for Opus) at the end of the last packet that ends on this page; -1n if none does. */
  granulePosition: bigint;
  endOfStream: boolean;
  /** The page's lacing values, one per segment. */
  lacing: Uint8Array;
  body: Uint8Array;
}

/**
 * Splits a block of whole Ogg pages (as readOggBlock returns them). Throws when the bytes are not whole
 * pages: that is a bug upstream, not damage (ogg-blocks.ts has already skipped damage).
 */
export function splitOggPages(block: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  let at = 0;
  while (at < block.byteLength) {
    if (!isOggCapture(block, at) || at + OGG_PAGE_HEADER_BYTES > block.byteLength) {
      throw new Error(`Ogg Opus input at block byte ${at} is not a whole Ogg page`);
    }
    const bodyStart = at + OGG_PAGE_HEADER_BYTES + (block[at + OGG_SEGMENT_COUNT_OFFSET] ?? 0);
    const lacing = block.subarray(at + OGG_PAGE_HEADER_BYTES, bodyStart);
    const end = at + oggPageByteLength(block, at);
    if (end > block.byteLength) {
      throw new Error(`Ogg Opus input at block byte ${at} is not a whole Ogg page`);
    }
    pages.push({
      serialNumber: view.getInt32(at + 14, true),
      sequenceNumber: view.getInt32(at + 18, true),
      granulePosition: oggPageGranule(block.subarray(at)),
      endOfStream: oggPageIsEndOfStream(block, at),
      lacing,
      body: block.subarray(bodyStart, end),
    });
    at = end;
  }
  return pages;
}

/**
 * One logical stream's packets, page by page. A packet whose last lacing value on a page is 255 goes on in the
 * next page of the stream; its pieces are kept (copied: a block's buffer is not ours to hold) until it ends.
 *
 * @example
 * ```ts
 * const joiner = new OggPacketJoiner();
 * for (const page of splitOggPages(block)) for (const packet of joiner.packetsOf(page)) decode(packet);
 * ```
 */
export class OggPacketJoiner {
  /** The start of a packet that runs on into the next page. */
  #open: Uint8Array | undefined;

  /** The packets that end on `page`, the first one joined to the piece the previous page left open. */
  packetsOf(page: OggPage): Uint8Array[] {
    const packets: Uint8Array[] = [];
    const { lacing, body } = page;
    let start = 0;
    let at = 0;
    for (let i = 0; i < lacing.length; i++) {
      const value = lacing[i] ?? 0;
      at += value;
      if (value !== CONTINUED_LACING) {
        packets.push(body.subarray(start, at));
        start = at;
      }
    }
    const runsOn = lacing.length > 0 && lacing[lacing.length - 1] === CONTINUED_LACING;
    const tail = runsOn ? body.subarray(start, at) : undefined;
    const open = this.#open;
    if (open !== undefined && lacing.length > 0) {
      // The open piece belongs in front of this page's first segment run, whether it ends here or runs on.
      this.#open = undefined;
      if (packets.length > 0) packets[0] = concatBytes(open, packets[0] ?? new Uint8Array(0));
      else if (tail !== undefined) {
        this.#open = concatBytes(open, tail);
        return packets;
      }
    }
    if (tail !== undefined) this.#open = tail.slice();
    return packets;
  }
}

function concatBytes(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const joined = new Uint8Array(head.byteLength + tail.byteLength);
  joined.set(head, 0);
  joined.set(tail, head.byteLength);
  return joined;
}

/** What the first page of a logical stream says the stream holds. */
export type OggStreamKind = "opus" | "vorbis" | "flac" | "other";

/** Tells a logical stream's codec from its first page's payload (the identification header). */
export function oggStreamKind(firstBody: Uint8Array): OggStreamKind {
  if (asciiAt(firstBody, 0, "OpusHead")) return "opus";
  if (asciiAt(firstBody, 0, "\x01vorbis")) return "vorbis";
  if (asciiAt(firstBody, 0, "\x7fFLAC")) return "flac";
  return "other";
}

/** The OpusHead fields the decoder needs (RFC 7845 §5.1). */
export interface OpusHead {
  channelCount: number;
  /** Samples at 48 kHz to drop from the start of the decoded stream. */
  preSkip48k: number;
  channelMappingFamily: number;
  /** Present for mapping families other than 0 (RFC 7845 §5.1.1). */
  streams?: { streamCount: number; coupledStreamCount: number; channelMapping: number[] };
}

/** Channel counts a mapping family defines; other families are application-defined and not checked. */
const MAX_CHANNELS_BY_FAMILY: Readonly<Record<number, number>> = { 0: 2, 1: 8 };

/**
 * Reads the OpusHead packet (page 0's payload). Throws an Error saying what is wrong with it: a stream with
 * a bad identification header cannot be decoded (what codec-parser refused, we refuse).
 *
 * @example
 * ```ts
 * parseOpusHead(page.body); // { channelCount: 1, preSkip48k: 312, channelMappingFamily: 0 }
 * ```
 */
export function parseOpusHead(body: Uint8Array): OpusHead {
  if (!asciiAt(body, 0, "OpusHead"))
    throw new Error("Ogg Opus stream's first page is not an OpusHead header");
  const channelCount = body[9] ?? 0;
  const channelMappingFamily = body[18] ?? 0;
  const headerBytes = channelMappingFamily === 0 ? 19 : 21 + channelCount;
  if (body.byteLength < headerBytes) {
    throw new Error(
      `OpusHead header is ${body.byteLength} bytes; channel mapping family ${channelMappingFamily} with ${channelCount} channel(s) needs ${headerBytes}`,
    );
  }
  if (body[8] !== 1) throw new Error(`OpusHead version ${body[8]} is not supported (only version 1 is)`);
  const maxChannels = MAX_CHANNELS_BY_FAMILY[channelMappingFamily];
  if (channelCount === 0 || (maxChannels !== undefined && channelCount > maxChannels)) {
    throw new Error(
      `OpusHead channel count ${channelCount} is not valid for channel mapping family ${channelMappingFamily}`,
    );
  }
  const preSkip48k = (body[10] ?? 0) | ((body[11] ?? 0) << 8);
  if (channelMappingFamily === 0) return { channelCount, preSkip48k, channelMappingFamily };
  return {
    channelCount,
    preSkip48k,
    channelMappingFamily,
    streams: {
      streamCount: body[19] ?? 0,
      coupledStreamCount: body[20] ?? 0,
      channelMapping: [...body.subarray(21, 21 + channelCount)],
    },
  };
}

/** Frame length in ms by TOC configuration (RFC 6716 §3.1, Table 2): SILK, Hybrid, then CELT. */
const FRAME_MS_BY_CONFIG: readonly number[] = [
  10, 20, 40, 60, 10, 20, 40, 60, 10, 20, 40, 60, 10, 20, 10, 20, 2.5, 5, 10, 20, 2.5, 5, 10, 20, 2.5, 5, 10,
  20, 2.5, 5, 10, 20,
];

/**
 * A packet's duration in 48 kHz samples from its TOC byte, as codec-parser counted it (the end-of-stream trim
 * depends on this count, so it is reproduced exactly, floating point included): code 0 is one frame, codes 1
 * and 2 two, code 3 the count in its second byte. An empty packet counts as one 10 ms frame.
 */
export function opusPacketSamples48k(packet: Uint8Array): number {
  const toc = packet[0] ?? 0;
  const code = toc & 0x03;
  const frameCount = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return (((FRAME_MS_BY_CONFIG[toc >> 3] ?? 0) * frameCount) / 1000) * 48_000;
}
