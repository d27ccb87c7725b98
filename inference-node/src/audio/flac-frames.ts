/**
 * @module
 * Where does a FLAC stream's last frame end, in samples? The wasm FLAC decoder drops damaged frames (and often
 * everything after one) without saying so, and a cut upload also decodes short: both fall short of the total
 * STREAMINFO announces. The last intact frame header in the stream's tail tells them apart: it reaches the
 * announced end when the stream is all there (the shortfall is damage: corrupt), and it does not when the
 * stream was cut (truncated). Damaged FLAC used to be reported as truncated (issue 19 item 7).
 */

/** CRC-8 of FLAC frame headers (polynomial 0x07, initial 0). */
const CRC8_TABLE = Uint8Array.from({ length: 256 }, (_, index) => {
  let crc = index;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  return crc;
});

/** Decodes the UTF-8-style coded frame or sample number at `at`: its value and byte length. */
function codedNumber(bytes: Uint8Array, at: number): { value: number; length: number } | undefined {
  const first = bytes[at];
  if (first === undefined) return undefined;
  let length = 1;
  let value = first;
  if (first >= 0x80) {
    let mask = 0x40;
    while (first & mask && length < 7) {
      length++;
      mask >>= 1;
    }
    if (length === 1 || (length === 7 && first !== 0xfe)) return undefined;
    value = length === 7 ? 0 : first & (mask - 1);
    for (let i = 1; i < length; i++) {
      const next = bytes[at + i];
      if (next === undefined || (next & 0xc0) !== 0x80) return undefined;
      value = value * 64 + (next & 0x3f);
    }
  }
  return { value, length };
}

/** A frame header at `at`: the number of its first sample and its block size; undefined if none is there. */
export function flacFrameHeader(
  bytes: Uint8Array,
  at: number,
  fixedBlockSize: number,
): { firstSample: number; blockSize: number } | undefined {
  if (bytes[at] !== 0xff || ((bytes[at + 1] ?? 0) & 0xfe) !== 0xf8) return undefined;
  const variable = ((bytes[at + 1] ?? 0) & 1) === 1;
  const blockCode = (bytes[at + 2] ?? 0) >> 4;
  const rateCode = (bytes[at + 2] ?? 0) & 0x0f;
  if (blockCode === 0 || rateCode === 15 || ((bytes[at + 3] ?? 0) & 1) !== 0) return undefined;
  if ((bytes[at + 3] ?? 0) >> 4 > 10) return undefined; // reserved channel assignment
  const number = codedNumber(bytes, at + 4);
  if (number === undefined) return undefined;
  let end = at + 4 + number.length;
  let blockSize: number;
  if (blockCode === 1) blockSize = 192;
  else if (blockCode <= 5) blockSize = 576 << (blockCode - 2);
  else if (blockCode === 6) blockSize = (bytes[end++] ?? 0) + 1;
  else if (blockCode === 7) {
    blockSize = (((bytes[end] ?? 0) << 8) | (bytes[end + 1] ?? 0)) + 1;
    end += 2;
  } else blockSize = 256 << (blockCode - 8);
  if (rateCode === 12) end += 1;
  else if (rateCode === 13 || rateCode === 14) end += 2;
  if (end >= bytes.byteLength) return undefined;
  let crc = 0;
  for (let i = at; i < end; i++) crc = CRC8_TABLE[crc ^ (bytes[i] ?? 0)] ?? 0;
  if (crc !== bytes[end]) return undefined;
  return { firstSample: variable ? number.value : number.value * fixedBlockSize, blockSize };
}

/**
 * True when the last intact frame header in `tail` (the stream's last bytes) covers the announced end:
 * its frame reaches `totalSamples`. False when no such header is found (a cut stream's last frames are gone).
 */
export function flacTailReachesEnd(tail: Uint8Array, totalSamples: number, fixedBlockSize: number): boolean {
  for (let at = tail.byteLength - 6; at >= 0; at--) {
    const frame = flacFrameHeader(tail, at, fixedBlockSize);
    // A header whose frame would run past the announced end is a false match in the audio data.
    if (frame === undefined || frame.firstSample >= totalSamples) continue;
    return frame.firstSample + frame.blockSize >= totalSamples;
  }
  return false;
}
