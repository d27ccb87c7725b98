import { describe, expect, it } from "vitest";
import { concatBytes } from "../../../test/faults/fault-inputs.ts";
import { chunked } from "../../../tooling/wav-fixtures.ts";
import { ByteReader } from "./byte-reader.ts";
import { oggPageCrcMatches, readOggBlock } from "./ogg-blocks.ts";

/** One Ogg page holding `payload` as a single packet, with its CRC filled in. */
function oggPage(payload: Uint8Array, headerType = 0, sequence = 0): Uint8Array {
  const lacing = [...Array(Math.floor(payload.length / 255)).fill(255), payload.length % 255];
  const page = new Uint8Array(27 + lacing.length + payload.length);
  page.set([0x4f, 0x67, 0x67, 0x53, 0, headerType], 0);
  new DataView(page.buffer).setUint32(18, sequence, true);
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(payload, 27 + lacing.length);
  // CRC-32, polynomial 0x04c11db7, bit by bit (independent of the table in ogg-blocks.ts).
  let crc = 0;
  for (const byte of page) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    crc >>>= 0;
  }
  new DataView(page.buffer).setUint32(22, crc, true);
  return page;
}

describe("readOggBlock", () => {
  const pages = [1, 2, 3, 4].map((n) => oggPage(new Uint8Array(300).fill(n), n === 4 ? 0x04 : 0, n));

  it("checks page CRCs", () => {
    expect(pages.every(oggPageCrcMatches)).toBe(true);
    const damaged = pages[1]?.slice() ?? new Uint8Array(0);
    damaged[100] ^= 1;
    expect(oggPageCrcMatches(damaged)).toBe(false);
  });

  it("skips a damaged page with its end-of-stream bit set, reports it, and reads on in the next block", async () => {
    const damaged = pages[1]?.slice() ?? new Uint8Array(0);
    damaged[5] |= 0x04;
    const stream = concatBytes([
      pages[0] ?? new Uint8Array(0),
      damaged,
      pages[2] ?? new Uint8Array(0),
      pages[3] ?? new Uint8Array(0),
    ]);
    const reader = new ByteReader(chunked(stream, 100));
    // The block ends before the damage, so the decoder's output can be split there (ogg-gap-filler.ts).
    const first = await readOggBlock(reader, 1 << 14);
    expect(first).toMatchObject({ damage: [], endOfStream: false, granules: [0n] });
    expect(first.bytes).toEqual(pages[0]);
    const block = await readOggBlock(reader, 1 << 14);
    expect(block.damage).toEqual([{ byteOffset: pages[0]?.length, byteLength: damaged.length }]);
    expect(block.endOfStream).toBe(true);
    expect(block.granules).toEqual([0n, 0n]);
    expect(block.bytes).toEqual(concatBytes([pages[2] ?? new Uint8Array(0), pages[3] ?? new Uint8Array(0)]));
  });

  it("a stream cut inside its last page is partial, not damage", async () => {
    const stream = concatBytes(pages).subarray(0, -50);
    const reader = new ByteReader(chunked(stream, 1000));
    const block = await readOggBlock(reader, 1 << 14);
    expect(block).toMatchObject({ partialPage: true, damage: [], endOfStream: false });
    expect(block.bytes.length).toBe(3 * (pages[0]?.length ?? 0));
  });
});
