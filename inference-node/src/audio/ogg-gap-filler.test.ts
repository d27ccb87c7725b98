import { describe, expect, it } from "vitest";
import { collectSamples } from "../../../tooling/wav-fixtures.ts";
import type { MonoPcmChunk } from "./mono-pcm.ts";
import { OggGapFiller } from "./ogg-gap-filler.ts";

/** `length` samples of `value` at 16 kHz. */
const chunk = (length: number, value: number): MonoPcmChunk => ({
  sampleRateHz: 16_000,
  samples: new Float32Array(length).fill(value),
});

/** The chunks' samples end to end. */
const joined = (chunks: MonoPcmChunk[]): Promise<Float32Array> =>
  collectSamples(
    (async function* () {
      for (const c of chunks) yield c.samples;
    })(),
  );

describe("OggGapFiller", () => {
  // Opus at 16 kHz: 1 s pages (48,000 granule units = 16,000 samples), pre-skip 312 (104 samples). The parser
  // holds back the last page fed, as ogg-vorbis' and ours (opus-stream-decoder.ts) do.
  it("puts the skipped page's second of silence where the page was", async () => {
    const filler = new OggGapFiller("ogg-opus");
    filler.pagesFed([0n, 0n, 48_000n, 96_000n], false);
    // Out: the first audio page, less the pre-skip.
    const first = filler.place(chunk(15_896, 1));
    // The page ending at 144,000 failed its CRC and was skipped.
    filler.pagesFed([192_000n, 240_000n], true);
    // Out: the held page (to 96,000), then the page after the damage (to 192,000).
    const second = filler.place({
      sampleRateHz: 16_000,
      samples: Float32Array.from({ length: 32_000 }, (_, i) => (i < 16_000 ? 2 : 3)),
    });
    const out = await joined([...first, ...second, ...filler.finish()]);
    expect(out.length).toBe(15_896 + 16_000 + 16_000 + 16_000);
    expect(out.subarray(15_896, 31_896).every((s) => s === 2)).toBe(true);
    expect(out.subarray(31_896, 47_896).every((s) => s === 0)).toBe(true);
    expect(out.subarray(47_896).every((s) => s === 3)).toBe(true);
    expect(filler.filledSamples).toBe(16_000);
  });

  it("holds the audio after the damage until a page after it has come out, then fills; nothing without damage", async () => {
    const filler = new OggGapFiller("ogg-vorbis");
    filler.pagesFed([0n, 0n, 16_000n, 32_000n], false);
    expect(await joined(filler.place(chunk(16_000, 1)))).toHaveLength(16_000);
    // Two pages (to 48,000 and 64,000) skipped; one page after them, held back by the parser.
    filler.pagesFed([80_000n], true);
    // Out: only the held page before the damage.
    expect(await joined(filler.place(chunk(16_000, 2)))).toHaveLength(16_000);
    filler.pagesFed([96_000n], false);
    const out = await joined(filler.place(chunk(16_000, 3)));
    expect(out.length).toBe(32_000 + 16_000);
    expect(out.subarray(0, 32_000).every((s) => s === 0)).toBe(true);

    const clean = new OggGapFiller("ogg-vorbis");
    clean.pagesFed([0n, 0n, 16_000n, 32_000n], false);
    clean.place(chunk(16_000, 1));
    clean.pagesFed([48_000n], false);
    expect(await joined(clean.place(chunk(16_000, 2)))).toHaveLength(16_000);
    expect(await joined(clean.place(chunk(16_000, 3), { flushed: true }))).toHaveLength(16_000);
    expect(clean.filledSamples).toBe(0);
  });

  it("does not fill a jump of minutes in the granules (pages of another stream after the damage)", async () => {
    const filler = new OggGapFiller("ogg-vorbis");
    filler.pagesFed([0n, 0n, 16_000n, 32_000n], false);
    await joined(filler.place(chunk(16_000, 1)));
    filler.pagesFed([999_000_000n, 999_016_000n], true);
    expect(await joined(filler.place(chunk(32_000, 2)))).toHaveLength(32_000);
    expect(filler.filledSamples).toBe(0);
  });
});
