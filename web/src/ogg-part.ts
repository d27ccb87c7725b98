/**
 * @module
 * Cuts a long Ogg Opus file into standalone Ogg Opus parts, so a file over the single-part limit goes up
 * through the split plan like a WAV does (issue 20: a 60 MB Ogg was refused by the page).
 *
 * A part is the file's header pages (OpusHead, OpusTags) followed by a run of its audio pages, cut only
 * where a page starts a new packet. Each audio page is rewritten so the part reads as a stream of its
 * own (RFC 7845): granule positions restart (the part's first sample is at the pre-skip), page sequence
 * numbers follow the header pages, the last page carries end-of-stream, and every rewritten page gets its
 * CRC again. The Opus decoder starts each part cold (a few ms of settling), which the detector does not hear.
 *
 * Only a single logical stream is cut; a chained file (several recordings joined) over the limit is
 * refused with a sentence.
 *
 * @example
 * ```ts
 * const layout = await indexOggOpus(file);
 * const [first, second] = oggCuts(layout, [0, 1_800_000, layout.durationMs]);
 * const blob = await oggPartBlob(file, layout, second); // a whole Ogg Opus file, second.fromMs … second.toMs
 * ```
 */
import { OGG_CRC_FIELD_OFFSET, oggPageCrc } from "../../shared/audio/ogg-page-crc.ts";
import { UnsupportedAudioError } from "./audio-probe.ts";

const PAGE_HEADER_BYTES = 27;
const FLAG_CONTINUED = 0x01;
const FLAG_END_OF_STREAM = 0x04;
/** Granule position of a page on which no packet ends. */
const NO_GRANULE = 0xffff_ffff_ffff_ffffn;
/** Opus granule positions count 48 kHz samples. */
const SAMPLES_PER_MS = 48;
const READ_CHUNK_BYTES = 1 << 20;

export interface OggAudioPage {
  offset: number;
  byteLength: number;
  /** Granule position (48 kHz samples), or undefined when no packet ends on the page. */
  granule: bigint | undefined;
  /** The page starts with the rest of a packet begun on the page before: no cut here. */
  continued: boolean;
}

export interface OggOpusLayout {
  /** Bytes [0, headerBytes) are the header pages, copied into every part. */
  headerBytes: number;
  headerPages: number;
  preSkip: number;
  pages: OggAudioPage[];
  durationMs: number;
}

/** One part: audio pages [firstPage, endPage) covering fromMs … toMs of the file. */
export interface OggCut {
  firstPage: number;
  endPage: number;
  fromMs: number;
  toMs: number;
  sizeBytes: number;
}

const cutShort = () =>
  new UnsupportedAudioError("This Ogg file seems cut short or damaged. Export it again.");

/** Reads `file` in 1 MiB slices, handing out byte ranges that may straddle them. */
function chunkedReader(file: Blob) {
  let start = 0;
  let bytes = new Uint8Array(0);
  return async (offset: number, length: number): Promise<Uint8Array> => {
    if (offset < start || offset + length > start + bytes.length) {
      start = offset;
      bytes = new Uint8Array(
        await file
          .slice(offset, Math.min(file.size, offset + Math.max(length, READ_CHUNK_BYTES)))
          .arrayBuffer(),
      );
      if (bytes.length < length) throw cutShort();
    }
    return bytes.subarray(offset - start, offset - start + length);
  };
}

/** Walks the pages of an Ogg Opus file: where its headers end, and each audio page. */
export async function indexOggOpus(file: Blob): Promise<OggOpusLayout> {
  const read = chunkedReader(file);
  const pages: OggAudioPage[] = [];
  let serial: number | undefined;
  let headerBytes = 0;
  let headerPages = 0;
  let headerPackets = 0;
  let preSkip = 0;
  let offset = 0;
  while (offset < file.size) {
    const head = await read(offset, PAGE_HEADER_BYTES);
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (view.getUint32(0) !== 0x4f676753) throw cutShort(); // "OggS"
    const segments = head[26] ?? 0;
    const lacing = await read(offset + PAGE_HEADER_BYTES, segments);
    const bodyBytes = lacing.reduce((sum, value) => sum + value, 0);
    const byteLength = PAGE_HEADER_BYTES + segments + bodyBytes;
    const pageSerial = view.getUint32(14, true);
    serial ??= pageSerial;
    if (pageSerial !== serial) {
      throw new UnsupportedAudioError(
        "This Ogg file joins several recordings and is larger than one upload may be. Upload the recordings one by one.",
      );
    }
    if (headerPackets < 2) {
      if (headerPages === 0) {
        const body = await read(offset + PAGE_HEADER_BYTES + segments, Math.min(bodyBytes, 19));
        if (String.fromCharCode(...body.subarray(0, 8)) !== "OpusHead") {
          throw new UnsupportedAudioError("This Ogg file is not Opus audio. Export it as Ogg Opus or WAV.");
        }
        preSkip = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint16(10, true);
      }
      // A packet ends at each lacing value under 255 (OpusHead, then OpusTags, which may span pages).
      headerPackets += lacing.filter((value) => value < 255).length;
      headerPages += 1;
      headerBytes = offset + byteLength;
    } else {
      const granule = view.getBigUint64(6, true);
      pages.push({
        offset,
        byteLength,
        granule: granule === NO_GRANULE ? undefined : granule,
        continued: ((head[5] ?? 0) & FLAG_CONTINUED) !== 0,
      });
    }
    offset += byteLength;
  }
  const last = pages.findLast((page) => page.granule !== undefined)?.granule;
  if (last === undefined) throw cutShort();
  return { headerBytes, headerPages, preSkip, pages, durationMs: granuleMs(last, preSkip) };
}

const granuleMs = (granule: bigint, preSkip: number) =>
  Math.max(0, Number(granule - BigInt(preSkip)) / SAMPLES_PER_MS);

/** The granule position in force before page `index` (the pre-skip before the first). */
function granuleBefore(layout: OggOpusLayout, index: number): bigint {
  for (let at = index - 1; at >= 0; at--) {
    const granule = layout.pages[at]?.granule;
    if (granule !== undefined) return granule;
  }
  return BigInt(layout.preSkip);
}

/**
 * Cuts at the page starts nearest after each boundary (ms from the file's start; the first is 0, the last
 * its length), never inside a packet. Each cut's fromMs/toMs are where its audio really starts and ends,
 * so consecutive parts touch.
 */
export function oggCuts(layout: OggOpusLayout, boundariesMs: readonly number[]): OggCut[] {
  const { pages } = layout;
  const startIndex = (ms: number) => {
    let index = pages.findIndex(
      (page, at) => !page.continued && granuleMs(granuleBefore(layout, at), layout.preSkip) >= ms,
    );
    if (index < 0) index = pages.length;
    return index;
  };
  const indexes = boundariesMs.map((ms, at) =>
    at === 0 ? 0 : at === boundariesMs.length - 1 ? pages.length : startIndex(ms),
  );
  const cuts: OggCut[] = [];
  for (let at = 0; at + 1 < indexes.length; at++) {
    const firstPage = indexes[at] ?? 0;
    const endPage = indexes[at + 1] ?? pages.length;
    if (endPage <= firstPage) throw cutShort();
    const sizeBytes =
      layout.headerBytes + pages.slice(firstPage, endPage).reduce((sum, page) => sum + page.byteLength, 0);
    cuts.push({
      firstPage,
      endPage,
      fromMs: granuleMs(granuleBefore(layout, firstPage), layout.preSkip),
      toMs:
        endPage === pages.length
          ? layout.durationMs
          : granuleMs(granuleBefore(layout, endPage), layout.preSkip),
      sizeBytes,
    });
  }
  return cuts;
}

/** The cut as a standalone Ogg Opus file (read into memory: at most one part's size). */
export async function oggPartBlob(file: Blob, layout: OggOpusLayout, cut: OggCut): Promise<Blob> {
  const first = layout.pages[cut.firstPage];
  const last = layout.pages[cut.endPage - 1];
  if (first === undefined || last === undefined) throw cutShort();
  const bytes = new Uint8Array(await file.slice(first.offset, last.offset + last.byteLength).arrayBuffer());
  // Granules restart: the part's first audio sample is at the pre-skip, as in a fresh stream.
  const shift = granuleBefore(layout, cut.firstPage) - BigInt(layout.preSkip);
  for (let index = cut.firstPage; index < cut.endPage; index++) {
    const page = layout.pages[index];
    if (page === undefined) continue;
    const at = page.offset - first.offset;
    const bytesOfPage = bytes.subarray(at, at + page.byteLength);
    const view = new DataView(bytesOfPage.buffer, bytesOfPage.byteOffset, bytesOfPage.byteLength);
    if (page.granule !== undefined) view.setBigUint64(6, page.granule - shift, true);
    view.setUint32(18, layout.headerPages + index - cut.firstPage, true);
    if (index === cut.endPage - 1) bytesOfPage[5] = (bytesOfPage[5] ?? 0) | FLAG_END_OF_STREAM;
    view.setUint32(OGG_CRC_FIELD_OFFSET, oggPageCrc(bytesOfPage), true);
  }
  return new Blob([file.slice(0, layout.headerBytes), bytes], { type: "audio/ogg" });
}
