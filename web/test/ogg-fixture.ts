/**
 * Synthetic Ogg Opus files for the page's tests: real page framing (CRCs, granules, flags) around
 * placeholder packets, so the cutter's bookkeeping can be checked byte by byte.
 */
import { oggPageCrc } from "../../shared/audio/ogg-page-crc.ts";

export const PRE_SKIP = 312;

/** One Ogg page: one segment per packet (each under 255 bytes), its CRC filled in. */
export function oggPage(
  packets: Uint8Array[],
  {
    granule,
    sequence,
    flags = 0,
    serial = 7,
  }: { granule: bigint; sequence: number; flags?: number; serial?: number },
): Uint8Array<ArrayBuffer> {
  const body = packets.reduce((sum, packet) => sum + packet.length, 0);
  const bytes = new Uint8Array(27 + packets.length + body);
  const view = new DataView(bytes.buffer);
  bytes.set([0x4f, 0x67, 0x67, 0x53], 0);
  bytes[5] = flags;
  view.setBigUint64(6, granule, true);
  view.setUint32(14, serial, true);
  view.setUint32(18, sequence, true);
  bytes[26] = packets.length;
  let at = 27 + packets.length;
  for (const [index, packet] of packets.entries()) {
    bytes[27 + index] = packet.length;
    bytes.set(packet, at);
    at += packet.length;
  }
  view.setUint32(22, oggPageCrc(bytes), true);
  return bytes;
}

/** An Ogg Opus file: headers, then `seconds` audio pages of one second (48 000 samples) each. */
export function oggOpus(seconds: number, { continuedAt = -1, secondSerialAt = -1 } = {}): Blob {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"), 0);
  head[8] = 1;
  head[9] = 1;
  new DataView(head.buffer).setUint16(10, PRE_SKIP, true);
  const pages = [
    oggPage([head], { granule: 0n, sequence: 0, flags: 0x02 }),
    oggPage([new TextEncoder().encode("OpusTags........")], { granule: 0n, sequence: 1 }),
  ];
  for (let second = 1; second <= seconds; second++) {
    pages.push(
      oggPage([new Uint8Array(40).fill(second)], {
        granule: BigInt(PRE_SKIP + second * 48_000),
        sequence: 1 + second,
        flags: (second === continuedAt ? 0x01 : 0) | (second === seconds ? 0x04 : 0),
        serial: second >= secondSerialAt && secondSerialAt > 0 ? 8 : 7,
      }),
    );
  }
  return new Blob(pages);
}
