/**
 * @module
 * Puts silence where damaged Ogg pages were skipped, so the audio after them stays at its true time.
 *
 * Each Ogg page carries a granule position: the stream's sample count at the end of its last packet (48 kHz
 * units for Opus, the stream's own rate for Vorbis). The decoders' Ogg parser holds back the last page it was
 * given, so after each decode call the output runs to the end of the page before the last one fed; that page's
 * granule says how much output there should be. Skipped pages (ogg-blocks.ts) leave the output short by
 * their duration, and everything after them came out early (by ~1 s per page, issue 19 leftovers).
 *
 * The filler follows that: `calibration` (granule time minus output, the Opus pre-skip) is read off the first
 * output, damage marks the insertion point (the end of the last page before it), the output after that point
 * is held back until a page after the damage has come out, and then the shortfall goes in as silence at the
 * insertion point. Damage before any audio came out, or with no intact page after it, is not filled (there
 * is no granule to measure it by), nor is a "gap" of minutes (granules of another stream). A new logical
 * stream (after an end-of-stream flush) starts over.
 *
 * @example
 * ```ts
 * const filler = new OggGapFiller("ogg-opus");
 * filler.pagesFed(block.granules, block.damage.length > 0);
 * for (const chunk of filler.place(decodedChunk)) yield chunk;
 * // after an end-of-stream flush: filler.place(flushedChunk, { flushed: true }); at the end: filler.finish()
 * ```
 */
import type { MonoPcmChunk } from "./mono-pcm.ts";

/** Opus granule positions count 48 kHz samples whatever the output rate. */
const OPUS_GRANULE_RATE_HZ = 48_000;
/** Gaps shorter than this (rounding between granule and output rates) are left alone. */
const MIN_GAP_SAMPLES = 2;
/**
 * A gap longer than this is not filled: skipped pages hold seconds (an Opus page at most ~30 s), so a jump of
 * minutes in the granules says the pages after the damage belong to another stream, not how much was lost.
 */
const MAX_GAP_SECONDS = 300;

interface PendingGap {
  /** Output sample (of this logical stream, silence included) where the skipped audio belongs. */
  atSample: number;
  /** Output after the insertion point, held back until the gap is known. */
  held: MonoPcmChunk[];
}

export class OggGapFiller {
  readonly #opus: boolean;
  /** Output of this logical stream so far, silence included. */
  #outputSamples = 0;
  /** Granule time minus output at a known page (the Opus pre-skip); unknown until audio came out. */
  #calibration: number | undefined;
  /** Granule of the last page fed (the one the parser holds back), and of the last page before it. */
  #heldGranule: bigint | undefined;
  #outputGranule: bigint | undefined;
  /** Set when damage was skipped after a page; resolved once a page after it has come out. */
  #pending: PendingGap | undefined;
  /** The page the parser holds back was fed after the pending damage. */
  #heldFedAfterDamage = false;
  /** A page fed after the pending damage has come out: the gap can be measured. */
  #pageAfterDamageOut = false;
  /** Output rate of the last decoded chunk. */
  #lastRateHz: number | undefined;
  /** Silence inserted so far (all streams), in samples at the output rate. */
  filledSamples = 0;

  constructor(format: "ogg-opus" | "ogg-vorbis") {
    this.#opus = format === "ogg-opus";
  }

  /** Before decoding a block: its pages' granules, and whether damage was skipped just before them. */
  pagesFed(granules: readonly bigint[], afterDamage: boolean): void {
    if (afterDamage && this.#pending === undefined && this.#heldGranule !== undefined) {
      const known = this.#heldGranule >= 0n ? this.#heldGranule : this.#outputGranule;
      const rate = this.#lastRateHz;
      if (this.#calibration !== undefined && known !== undefined && rate !== undefined) {
        this.#pending = { atSample: this.#granuleToOutput(known, rate) - this.#calibration, held: [] };
        this.#pageAfterDamageOut = false;
      }
    }
    for (const granule of granules) {
      if (this.#heldGranule !== undefined && this.#heldGranule >= 0n) {
        this.#outputGranule = this.#heldGranule;
        if (this.#pending !== undefined && this.#heldFedAfterDamage) this.#pageAfterDamageOut = true;
      }
      this.#heldGranule = granule;
      this.#heldFedAfterDamage = this.#pending !== undefined;
    }
  }

  /**
   * After a decode call: the chunks to pass on for its output (silence spliced in where a gap is known).
   * `flushed`: the output of an end-of-stream flush, which runs to the end of the held page; the next pages
   * belong to a new logical stream.
   */
  place(chunk: MonoPcmChunk | undefined, { flushed = false } = {}): MonoPcmChunk[] {
    const out: MonoPcmChunk[] = [];
    if (chunk !== undefined && chunk.samples.length > 0) {
      this.#lastRateHz = chunk.sampleRateHz;
      const start = this.#outputSamples;
      this.#outputSamples += chunk.samples.length;
      const pending = this.#pending;
      if (pending === undefined) {
        out.push(chunk);
      } else {
        const split = Math.min(Math.max(pending.atSample - start, 0), chunk.samples.length);
        if (split > 0) out.push({ ...chunk, samples: chunk.samples.subarray(0, split) });
        if (split < chunk.samples.length)
          pending.held.push({ ...chunk, samples: chunk.samples.subarray(split) });
      }
    }
    if (flushed) {
      // Everything fed has come out, the held page included.
      if (this.#heldGranule !== undefined && this.#heldGranule >= 0n) this.#outputGranule = this.#heldGranule;
      if (this.#pending !== undefined && this.#heldFedAfterDamage) this.#pageAfterDamageOut = true;
    }
    out.push(...this.#settle());
    if (flushed) {
      out.push(...this.finish());
      this.#outputSamples = 0;
      this.#calibration = undefined;
      this.#heldGranule = undefined;
      this.#outputGranule = undefined;
    }
    return out;
  }

  /** At the end of the input: output still held back goes out as it is (no page after the damage to measure by). */
  finish(): MonoPcmChunk[] {
    const held = this.#pending?.held ?? [];
    this.#pending = undefined;
    return held;
  }

  #settle(): MonoPcmChunk[] {
    const rate = this.#lastRateHz;
    if (this.#outputGranule === undefined || rate === undefined) return [];
    const expected = this.#granuleToOutput(this.#outputGranule, rate);
    if (this.#calibration === undefined) {
      if (this.#outputSamples > 0) this.#calibration = expected - this.#outputSamples;
      return [];
    }
    const pending = this.#pending;
    if (pending === undefined || !this.#pageAfterDamageOut) return [];
    this.#pending = undefined;
    const gap = expected - this.#calibration - this.#outputSamples;
    if (gap < MIN_GAP_SAMPLES || gap > MAX_GAP_SECONDS * rate) return pending.held;
    this.#outputSamples += gap;
    this.filledSamples += gap;
    return [{ sampleRateHz: rate, samples: new Float32Array(gap) }, ...pending.held];
  }

  #granuleToOutput(granule: bigint, rateHz: number): number {
    const granuleRateHz = this.#opus ? OPUS_GRANULE_RATE_HZ : rateHz;
    return Math.round((Number(granule) * rateHz) / granuleRateHz);
  }
}
