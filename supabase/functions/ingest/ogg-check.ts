/**
 * @module
 * Checks an Ogg Opus body while it streams past, without a decoder and without holding it: every page
 * must start where the previous one ended (capture pattern `OggS`, version 0), the stream must end on a
 * whole page with the end-of-stream flag, and the duration is read from the granule position of each
 * logical stream's last page minus its Opus pre-skip (RFC 7845 §4: granules count 48 kHz samples).
 * Chained streams (one after another, as a re-encoded or concatenated answer is) add up.
 *
 * What it catches: an HTML error page or any non-Ogg body (`NOT_OGG`), a body that is cut mid-page or
 * before its end-of-stream page even when `Content-Length` matches the cut (`CUT_AUDIO`), and garbage
 * where a page should start (`CORRUPT_OGG`). Page CRCs are not checked here (that would cost Edge CPU on
 * every byte); the node's decoder is where damaged pages are found.
 *
 * @see https://www.rfc-editor.org/rfc/rfc3533 (Ogg), https://www.rfc-editor.org/rfc/rfc7845 (Ogg Opus)
 */
import { BadAudioError } from "./s3-multipart.ts";

const HEADER_BYTES = 27;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
const OPUS_GRANULE_RATE_HZ = 48_000;
/** A page whose granule position is -1 ends no packet. */
const NO_GRANULE = -1n;

interface LogicalStream {
  preSkip: number;
  lastGranule: bigint;
  ended: boolean;
  headSeen: boolean;
}

export interface OggSummary {
  durationMs: number;
  pages: number;
  streams: number;
}

/** Feed it every byte of the body in order (`push`), then call `end()` for the verdict. */
export class OggOpusCheck {
  private readonly header = new Uint8Array(HEADER_BYTES + 255);
  private headerFilled = 0;
  private bodyLeft = 0;
  /** The page being read: its stream, and whether its first body bytes (a possible OpusHead) matter. */
  private current: LogicalStream | undefined;
  private headBytes: number[] | undefined;
  private readonly streams = new Map<number, LogicalStream>();
  private finished: LogicalStream[] = [];
  private pages = 0;
  private offset = 0;

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.byteLength) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, bytes.byteLength - i);
        if (this.headBytes !== undefined) {
          for (let k = 0; k < n && this.headBytes.length < 19; k++) this.headBytes.push(bytes[i + k]);
          if (this.headBytes.length >= 19) this.readOpusHead();
        }
        this.bodyLeft -= n;
        i += n;
        this.offset += n;
        if (this.bodyLeft === 0 && this.headBytes !== undefined) this.readOpusHead();
        continue;
      }
      const need = this.headerFilled < HEADER_BYTES ? HEADER_BYTES : HEADER_BYTES + this.header[26];
      const n = Math.min(need - this.headerFilled, bytes.byteLength - i);
      this.header.set(bytes.subarray(i, i + n), this.headerFilled);
      this.headerFilled += n;
      i += n;
      if (this.headerFilled === HEADER_BYTES) this.checkCapture();
      if (this.headerFilled >= HEADER_BYTES && this.headerFilled === HEADER_BYTES + this.header[26]) {
        this.startPage();
      }
    }
  }

  end(): OggSummary {
    const capture = [0x4f, 0x67, 0x67, 0x53];
    const seen = this.header.subarray(0, Math.min(this.headerFilled, 4));
    if (this.pages === 0 && (this.headerFilled < 4 || seen.some((byte, i) => byte !== capture[i]))) {
      throw new BadAudioError("NOT_OGG", `only ${this.headerFilled} bytes, not an Ogg stream`);
    }
    if (this.headerFilled > 0 || this.bodyLeft > 0) {
      throw new BadAudioError("CUT_AUDIO", `the stream ends inside a page (${this.pageAt()})`);
    }
    const open = [...this.streams.values()];
    if (open.length > 0 || this.finished.length === 0) {
      throw new BadAudioError("CUT_AUDIO", "the stream ends without its end-of-stream page");
    }
    let samples = 0;
    for (const stream of this.finished) {
      if (!stream.headSeen) throw new BadAudioError("NOT_OGG", "an Ogg stream without an OpusHead");
      const granule = stream.lastGranule === NO_GRANULE ? 0n : stream.lastGranule;
      samples += Math.max(0, Number(granule) - stream.preSkip);
    }
    return {
      durationMs: Math.round((samples * 1000) / OPUS_GRANULE_RATE_HZ),
      pages: this.pages,
      streams: this.finished.length,
    };
  }

  private pageAt(): string {
    return `page ${this.pages + 1} at byte ${this.offset}`;
  }

  private checkCapture(): void {
    const h = this.header;
    const capture = h[0] === 0x4f && h[1] === 0x67 && h[2] === 0x67 && h[3] === 0x53;
    if (!capture || h[4] !== 0) {
      if (this.pages === 0) {
        throw new BadAudioError("NOT_OGG", "the body does not start with the Ogg capture pattern");
      }
      throw new BadAudioError("CORRUPT_OGG", `no Ogg page where ${this.pageAt()} should start`);
    }
  }

  private startPage(): void {
    const h = this.header;
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const flags = h[5];
    const granule = view.getBigInt64(6, true);
    const serial = view.getUint32(14, true);
    let bodyBytes = 0;
    for (let s = 0; s < h[26]; s++) bodyBytes += h[HEADER_BYTES + s];
    let stream = this.streams.get(serial);
    if ((flags & FLAG_BOS) !== 0) {
      if (stream !== undefined)
        throw new BadAudioError("CORRUPT_OGG", `a second start of stream at ${this.pageAt()}`);
      stream = { preSkip: 0, lastGranule: NO_GRANULE, ended: false, headSeen: false };
      this.streams.set(serial, stream);
      this.headBytes = [];
    } else {
      this.headBytes = undefined;
    }
    if (stream === undefined) {
      throw new BadAudioError("CORRUPT_OGG", `a page of an unknown stream at ${this.pageAt()}`);
    }
    if (granule !== NO_GRANULE) stream.lastGranule = granule;
    if ((flags & FLAG_EOS) !== 0) {
      this.streams.delete(serial);
      this.finished.push(stream);
    }
    this.current = stream;
    this.offset += this.headerFilled;
    this.headerFilled = 0;
    this.bodyLeft = bodyBytes;
    this.pages++;
    if (bodyBytes === 0 && this.headBytes !== undefined) this.readOpusHead();
  }

  /** The BOS page's packet: `OpusHead`, version, channels, pre-skip (LE u16 at byte 10). */
  private readOpusHead(): void {
    const bytes = this.headBytes;
    const stream = this.current;
    this.headBytes = undefined;
    if (bytes === undefined || stream === undefined) return;
    const magic = String.fromCharCode(...bytes.slice(0, 8));
    if (magic !== "OpusHead" || bytes.length < 12) {
      throw new BadAudioError("NOT_OGG", "the Ogg stream is not Opus (no OpusHead)");
    }
    stream.preSkip = bytes[10] | (bytes[11] << 8);
    stream.headSeen = true;
  }
}
