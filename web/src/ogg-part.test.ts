import { describe, expect, it } from "vitest";
import { oggPageCrc } from "../../shared/audio/ogg-page-crc.ts";
import { oggOpus, PRE_SKIP } from "../test/ogg-fixture.ts";
import { UnsupportedAudioError } from "./audio-probe.ts";
import { indexOggOpus, oggCuts, oggPartBlob } from "./ogg-part.ts";

/** Each page of `blob`: sequence, granule, flags and whether its CRC holds. */
async function pagesOf(blob: Blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const view = new DataView(bytes.buffer);
  const out: { sequence: number; granule: bigint; flags: number; crcOk: boolean; firstByte: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const segments = bytes[at + 26] ?? 0;
    let length = 27 + segments;
    for (let s = 0; s < segments; s++) length += bytes[at + 27 + s] ?? 0;
    const one = bytes.subarray(at, at + length);
    out.push({
      sequence: view.getUint32(at + 18, true),
      granule: view.getBigUint64(at + 6, true),
      flags: bytes[at + 5] ?? 0,
      crcOk: oggPageCrc(one) === view.getUint32(at + 22, true),
      firstByte: one[27 + segments] ?? 0,
    });
    at += length;
  }
  return out;
}

describe("Ogg Opus parts", () => {
  it("cuts at page starts into standalone streams: headers, granules from the pre-skip, renumbered pages, EOS, CRCs", async () => {
    const file = oggOpus(10);
    const layout = await indexOggOpus(file);
    expect(layout).toMatchObject({ headerPages: 2, preSkip: PRE_SKIP, durationMs: 10_000 });
    expect(layout.pages).toHaveLength(10);

    const cuts = oggCuts(layout, [0, 4_500, 10_000]);
    // 4.5 s falls inside the fifth page: the cut is at the next page start, 5 s.
    expect(cuts.map(({ fromMs, toMs }) => [fromMs, toMs])).toEqual([
      [0, 5_000],
      [5_000, 10_000],
    ]);
    const [firstCut, secondCut] = cuts;
    if (firstCut === undefined || secondCut === undefined) throw new Error("two cuts expected");
    const second = await oggPartBlob(file, layout, secondCut);
    expect(second.size).toBe(secondCut.sizeBytes);
    const pages = await pagesOf(second);
    expect(pages.every((p) => p.crcOk)).toBe(true);
    expect(pages.map((p) => p.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(pages.slice(2).map((p) => p.firstByte)).toEqual([6, 7, 8, 9, 10]);
    expect(pages.slice(2).map((p) => p.granule)).toEqual(
      [1, 2, 3, 4, 5].map((s) => BigInt(PRE_SKIP + s * 48_000)),
    );
    expect(pages.at(-1)?.flags).toBe(0x04);
    // A part reads back as an Ogg Opus file of its own length.
    expect((await indexOggOpus(second)).durationMs).toBe(5_000);
    const first = await pagesOf(await oggPartBlob(file, layout, firstCut));
    expect(first.map((p) => p.firstByte).slice(2)).toEqual([1, 2, 3, 4, 5]);
    expect(first.at(-1)?.flags).toBe(0x04);
  });

  it("never cuts where a page continues a packet", async () => {
    const file = oggOpus(10, { continuedAt: 6 });
    const cuts = oggCuts(await indexOggOpus(file), [0, 5_000, 10_000]);
    expect(cuts.map(({ fromMs }) => fromMs)).toEqual([0, 6_000]);
  });

  it("refuses a chained file (two logical streams) with a sentence", async () => {
    await expect(indexOggOpus(oggOpus(6, { secondSerialAt: 4 }))).rejects.toThrow(UnsupportedAudioError);
    await expect(indexOggOpus(oggOpus(6, { secondSerialAt: 4 }))).rejects.toThrow(/several recordings/);
  });
});
