/**
 * @module
 * Was an MPEG audio stream cut mid-frame? mpg123 drops a partial last frame without a word, and an MP3
 * has no length in its header to compare with, so a cut upload passed for a short recording (issue 10
 * item 6). This walks the frame chain through the stream's last bytes and checks it ends at the end.
 * It also finds where a real frame sequence starts: a stream of repeated frame headers (or of anything
 * else that only looks like one header at a time) is not MP3 audio (issue 10 item 15).
 */

/** kbit/s by [version is MPEG-1][layer index 1..3][bitrate index]; 0 = free/bad. */
const BITRATES_KBPS: Readonly<Record<string, readonly number[]>> = {
  "1-1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1-2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2-2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  "2-3": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES_HZ: Readonly<Record<number, readonly number[]>> = {
  3: [44_100, 48_000, 32_000], // MPEG-1
  2: [22_050, 24_000, 16_000], // MPEG-2
  0: [11_025, 12_000, 8_000], // MPEG-2.5
};

/** Seconds of audio in the frame whose header starts at `at` (0 if it is not a valid header). */
export function mpegFrameSeconds(bytes: Uint8Array, at: number): number {
  if (mpegFrameLength(bytes, at) === 0) return 0;
  const versionBits = (bytes[at + 1] >> 3) & 3;
  const layer = 4 - ((bytes[at + 1] >> 1) & 3);
  const rateHz = SAMPLE_RATES_HZ[versionBits][(bytes[at + 2] >> 2) & 3];
  const samples = layer === 1 ? 384 : layer === 3 && versionBits !== 3 ? 576 : 1152;
  return samples / rateHz;
}

/** Length in bytes of the frame whose 4-byte header starts at `at`, or 0 if it is not a valid header. */
export function mpegFrameLength(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1] & 0xe0) !== 0xe0) return 0;
  const versionBits = (bytes[at + 1] >> 3) & 3;
  const layerBits = (bytes[at + 1] >> 1) & 3;
  const bitrateIndex = bytes[at + 2] >> 4;
  const rateIndex = (bytes[at + 2] >> 2) & 3;
  const padding = (bytes[at + 2] >> 1) & 1;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return 0;
  const layer = 4 - layerBits;
  const mpeg1 = versionBits === 3;
  const kbps = BITRATES_KBPS[`${mpeg1 ? 1 : 2}-${layer}`][bitrateIndex];
  const rateHz = SAMPLE_RATES_HZ[versionBits][rateIndex];
  if (layer === 1) return (Math.floor((12_000 * kbps) / rateHz) + padding) * 4;
  const coefficient = layer === 3 && !mpeg1 ? 72_000 : 144_000;
  return Math.floor((coefficient * kbps) / rateHz) + padding;
}

/**
 * True when the frames in `tail` (the stream's last bytes) run past its end: the last frame is cut.
 * False when the chain ends exactly at the end (or at an ID3v1 tag), or when no chain of three frames
 * can be found (not enough evidence to claim anything).
 */
export function mpegTailIsCut(tail: Uint8Array): boolean {
  for (let start = 0; start + 4 <= tail.length; start++) {
    const first = mpegFrameLength(tail, start);
    if (first === 0) continue;
    const second = mpegFrameLength(tail, start + first);
    if (second === 0 || mpegFrameLength(tail, start + first + second) === 0) continue;
    let at = start;
    for (;;) {
      const length = mpegFrameLength(tail, at);
      if (length === 0) break;
      at += length;
      if (at >= tail.length) return at > tail.length;
    }
    // The chain stopped at something that is not a frame header: a tag or junk, not a cut frame.
    const rest = tail.length - at;
    return rest > 0 && rest < 4 && tail[at] === 0xff;
  }
  return false;
}

/** Bytes after an ID3v2 tag at the start, or 0 when there is none. */
export function id3v2Length(head: Uint8Array): number {
  if (head.length < 10 || head[0] !== 0x49 || head[1] !== 0x44 || head[2] !== 0x33) return 0;
  const size =
    ((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f);
  const footer = (head[5] & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/** True when `bytes` holds three consecutive MPEG audio frames, each header where the last frame ends. */
export function hasMpegFrameChain(bytes: Uint8Array): boolean {
  for (let start = 0; start + 4 <= bytes.length; start++) {
    const first = mpegFrameLength(bytes, start);
    if (first === 0) continue;
    const second = mpegFrameLength(bytes, start + first);
    if (second !== 0 && mpegFrameLength(bytes, start + first + second) !== 0) return true;
  }
  return false;
}

/**
 * Counts the real frames of an MPEG audio stream as it passes, block by block: a frame is a valid header
 * with another valid header right where it ends (or the end of the stream). mpg123 skips frames without a
 * word while it resyncs after damage (4.7 of 5.6 s lost, exit 0: issue 19 item 7); comparing what it
 * decoded with what this counts is how that loss is seen. The count is conservative (a frame right before a
 * gap is not counted: nothing confirms it), so a shortfall is real. Holds at most one frame's bytes between
 * blocks.
 */
export class MpegFrameCounter {
  /** Real frames seen so far. */
  frames = 0;
  /** Their duration, seconds. */
  seconds = 0;
  /** Longest frame seen, seconds (the tolerance unit when comparing with the decoder). */
  longestFrameSeconds = 0;
  /** Bytes between frames that are not frames (damage; not counted before the first or after the last frame). */
  gapBytes = 0;
  /** Stream offset of the first such byte. */
  firstGapOffset: number | undefined;
  /** Non-frame bytes since the last frame, and where they started. */
  private pendingGapBytes = 0;
  private pendingGapOffset = 0;
  private carry = new Uint8Array(0);
  /** Stream offset of `carry[0]`. */
  private carryOffset = 0;
  private skipBytes: number;

  /** `skipBytes`: the ID3v2 tag's length at the start of the stream (not frames). */
  constructor(skipBytes = 0) {
    this.skipBytes = skipBytes;
  }

  push(block: Uint8Array): void {
    let bytes = block;
    let offset = this.carryOffset + this.carry.byteLength;
    if (this.skipBytes > 0) {
      const skipped = Math.min(this.skipBytes, bytes.byteLength);
      this.skipBytes -= skipped;
      bytes = bytes.subarray(skipped);
      offset += skipped;
    }
    if (this.carry.byteLength > 0) {
      const joined = new Uint8Array(this.carry.byteLength + bytes.byteLength);
      joined.set(this.carry, 0);
      joined.set(bytes, this.carry.byteLength);
      bytes = joined;
      offset = this.carryOffset;
    }
    const consumed = this.scan(bytes, offset, false);
    this.carry = bytes.slice(consumed);
    this.carryOffset = offset + consumed;
  }

  /** The stream ended: a whole frame left at the end counts. */
  end(): void {
    this.scan(this.carry, this.carryOffset, true);
    this.carry = new Uint8Array(0);
  }

  /** Walks `bytes` (starting at stream offset `offset`); returns how many bytes it is done with. */
  private scan(bytes: Uint8Array, offset: number, final: boolean): number {
    let at = 0;
    while (at + 4 <= bytes.byteLength) {
      const length = mpegFrameLength(bytes, at);
      if (length > 0 && at + length + 4 > bytes.byteLength) {
        if (!final) return at; // wait for the next header (or the end of the stream)
        if (at + length <= bytes.byteLength) this.count(bytes, at);
        return bytes.byteLength;
      }
      if (length > 0 && mpegFrameLength(bytes, at + length) > 0) {
        this.count(bytes, at);
        at += length;
        continue;
      }
      if (this.pendingGapBytes === 0) this.pendingGapOffset = offset + at;
      this.pendingGapBytes++;
      at++;
    }
    return final ? bytes.byteLength : at;
  }

  private count(bytes: Uint8Array, at: number): void {
    if (this.frames > 0 && this.pendingGapBytes > 0) {
      this.gapBytes += this.pendingGapBytes;
      this.firstGapOffset ??= this.pendingGapOffset;
    }
    this.pendingGapBytes = 0;
    const seconds = mpegFrameSeconds(bytes, at);
    this.frames++;
    this.seconds += seconds;
    this.longestFrameSeconds = Math.max(this.longestFrameSeconds, seconds);
  }
}
