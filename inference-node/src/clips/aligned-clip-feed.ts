/**
 * @module
 * Hands decoded audio to the clip cutter no faster than the event detector has seen it. The engine
 * decodes ahead of the scores (whole batches are scored in a worker while the next is prepared); if the
 * cutter got that audio straight away, an event emitted by an early patch of a batch would find the
 * start of its clip already pushed out of the cutter's ring (a 30 s laugh did: issue 10, item 1). Feeding
 * the cutter patch by patch bounds the lag by the detector's own emission delay, which the ring covers.
 */
import { PATCH_HOP_SAMPLES, PATCH_WINDOW_SAMPLES } from "../../../shared/yamnet/constants.ts";
import type { LaughterClip, LaughterEvent } from "../engine/types.ts";
import type { ClipCutter } from "./clip-cutter.ts";

/**
 * @example
 * ```ts
 * const feed = new AlignedClipFeed(new ClipCutter(), onClip);
 * feed.pushAudio(samples);                       // as decoded
 * await feed.beforePatch(i);                     // then detector.push(i, scores) …
 * for (const event of events) await feed.addEvent(event);
 * await feed.end();                              // after the detector's end()
 * ```
 */
export class AlignedClipFeed {
  readonly #cutter: ClipCutter;
  readonly #onClip: (clip: LaughterClip) => Promise<void> | void;
  /** Decoded audio not yet handed to the cutter; `#fedSamples` is the index of its first sample. */
  readonly #pending: Float32Array[] = [];
  #fedSamples = 0;
  #totalSamples = 0;

  constructor(cutter: ClipCutter, onClip: (clip: LaughterClip) => Promise<void> | void) {
    this.#cutter = cutter;
    this.#onClip = onClip;
  }

  /** Samples decoded so far. */
  get totalSamples(): number {
    return this.#totalSamples;
  }

  /** Keeps decoded audio until the patches covering it have been seen. */
  pushAudio(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.#pending.push(samples);
    this.#totalSamples += samples.length;
  }

  /** Call before the detector sees patch `patchIndex`: the cutter gets the audio up to that patch's end. */
  async beforePatch(patchIndex: number): Promise<void> {
    await this.#feed(Math.min(this.#totalSamples, patchIndex * PATCH_HOP_SAMPLES + PATCH_WINDOW_SAMPLES));
  }

  /** Registers an event the detector emitted and stores the clips it completes. */
  async addEvent(event: LaughterEvent): Promise<void> {
    await this.#emit(this.#cutter.addEvent(event));
  }

  /** Hands over the rest of the audio; call after the detector's `end()` events, then nothing else. */
  async end(): Promise<void> {
    await this.#feed(this.#totalSamples);
    await this.#emit(this.#cutter.end());
  }

  /** Before the detector's `end()`: all audio reaches the cutter, as the last patch covers it. */
  async flushAudio(): Promise<void> {
    await this.#feed(this.#totalSamples);
  }

  async #feed(untilSample: number): Promise<void> {
    while (this.#pending.length > 0 && this.#fedSamples < untilSample) {
      const head = this.#pending[0];
      const take = Math.min(head.length, untilSample - this.#fedSamples);
      await this.#emit(this.#cutter.pushSamples(take === head.length ? head : head.subarray(0, take)));
      this.#fedSamples += take;
      if (take === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(take);
    }
  }

  async #emit(clips: LaughterClip[]): Promise<void> {
    for (const clip of clips) await this.#onClip(clip);
  }
}
