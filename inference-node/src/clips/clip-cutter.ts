/**
 * @module
 * Streaming clip cutter: keeps a bounded ring of recent 16 kHz mono audio and cuts one WAV clip per
 * laughter event as soon as the audio up to the clip's end has arrived. It never holds the recording.
 */

import { SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";
import type { LaughterClip, LaughterEvent } from "../engine/types.ts";
import { DEFAULT_EVENT_OPTIONS, maxEmissionDelayMs } from "../events/event-detector.ts";
import { encodeWav16 } from "./wav-writer.ts";

/**
 * Slack for how far the engine's event stream may lag behind its audio stream beyond the detector's own
 * delay. The engine hands audio over patch by patch as the detector sees it (aligned-clip-feed.ts), so
 * the real lag is zero; this margin is kept for callers that feed a little ahead.
 */
export const ENGINE_EVENT_LAG_MS = 5_000;

/** Clip cutting options. Durations in ms of audio. */
export interface ClipCutterOptions {
  sampleRateHz: number;
  /** Audio kept before the event's start and after its end. */
  paddingMs: number;
  /** Clips longer than this are cut to [clipStartMs, clipStartMs + maxClipMs]: the laugh's onset is kept. */
  maxClipMs: number;
  /** Longest event the detector emits (`EventDetectorOptions.maxDurationMs`). */
  maxEventDurationMs: number;
  /**
   * Longest time between the end of an event's audio and `addEvent` for it, measured in audio pushed
   * meanwhile: the detector's emission delay (merge gap + one patch) plus the engine's lag.
   */
  maxEventDelayMs: number;
}

/** Defaults matching DEFAULT_EVENT_OPTIONS and the engine's batching. */
export const DEFAULT_CLIP_OPTIONS: Readonly<ClipCutterOptions> = Object.freeze({
  sampleRateHz: SAMPLE_RATE_HZ,
  paddingMs: 1_000,
  maxClipMs: 30_000,
  maxEventDurationMs: DEFAULT_EVENT_OPTIONS.maxDurationMs,
  maxEventDelayMs: maxEmissionDelayMs(DEFAULT_EVENT_OPTIONS) + ENGINE_EVENT_LAG_MS,
});

/**
 * Ring size in samples. When an event arrives the newest audio is at most `endMs + maxEventDelayMs`, and
 * its clip starts at `startMs − paddingMs ≥ endMs − maxEventDurationMs − paddingMs`; while a clip waits for
 * its end, it spans at most `maxClipMs`. The ring must cover the larger of the two.
 */
export function ringCapacitySamples(options: Readonly<ClipCutterOptions>): number {
  const spanMs = Math.max(
    options.maxClipMs,
    options.paddingMs + options.maxEventDurationMs + options.maxEventDelayMs,
  );
  return Math.ceil((spanMs * options.sampleRateHz) / 1000) + 1;
}

function resolveClipOptions(options: Partial<ClipCutterOptions>): ClipCutterOptions {
  const o: ClipCutterOptions = { ...DEFAULT_CLIP_OPTIONS, ...options };
  for (const name of ["paddingMs", "maxClipMs", "maxEventDurationMs", "maxEventDelayMs"] as const) {
    if (!Number.isFinite(o[name]) || o[name] < 0) {
      throw new RangeError(`ClipCutterOptions: ${name} must be a finite number >= 0, got ${o[name]}`);
    }
  }
  if (!Number.isInteger(o.sampleRateHz) || o.sampleRateHz <= 0) {
    throw new RangeError(`ClipCutterOptions: sampleRateHz must be a positive integer, got ${o.sampleRateHz}`);
  }
  if (o.maxClipMs <= 0) throw new RangeError("ClipCutterOptions: maxClipMs must be > 0");
  return o;
}

interface PendingClip {
  event: LaughterEvent;
  clipStartMs: number;
  clipEndMs: number;
}

/**
 * Feed audio with `pushSamples` and final events with `addEvent` (in time order, as the detector emits
 * them); each call returns the clips completed by it, in event order. `end()` flushes the rest, clamped
 * to the end of the audio.
 *
 * Clip bounds: `clipStartMs = max(0, startMs − padding)`, `clipEndMs = min(endMs + padding,
 * clipStartMs + maxClipMs)` and, at `end()`, at most the audio's duration. The cap keeps the start rather
 * than centring on the peak: `LaughterEvent` does not say where the peak is, and keeping the start means
 * the clip is decided the moment the event arrives.
 *
 * @example
 * const cutter = new ClipCutter();
 * for await (const chunk of pcm) for (const clip of cutter.pushSamples(chunk)) await onClip(clip);
 * // …and for each event from the detector: for (const clip of cutter.addEvent(event)) await onClip(clip);
 * for (const clip of cutter.end()) await onClip(clip);
 */
export class ClipCutter {
  readonly options: Readonly<ClipCutterOptions>;
  /** Ring size in samples: fixed by the options, whatever the recording's length. */
  readonly capacitySamples: number;
  readonly #ring: Float32Array;
  /** Samples pushed so far; sample n lives at ring[n % capacity] while n >= head − capacity. */
  #head = 0;
  #pending: PendingClip[] = [];
  #lastEventStartMs = Number.NEGATIVE_INFINITY;
  #ended = false;

  constructor(options: Partial<ClipCutterOptions> = {}) {
    this.options = Object.freeze(resolveClipOptions(options));
    this.capacitySamples = ringCapacitySamples(this.options);
    this.#ring = new Float32Array(this.capacitySamples);
  }

  /** Audio received so far, ms. */
  get receivedMs(): number {
    return (this.#head * 1000) / this.options.sampleRateHz;
  }

  /** Appends audio (any chunk size) and returns the clips it completes. */
  pushSamples(samples: Float32Array): LaughterClip[] {
    this.#assertOpen("pushSamples");
    const clips: LaughterClip[] = [];
    let offset = 0;
    while (offset < samples.length) {
      // Write no further than the next clip's end, so a large chunk cannot overwrite that clip's start.
      const next = this.#pending[0];
      const limit =
        next === undefined ? Number.POSITIVE_INFINITY : this.#sampleAt(next.clipEndMs) - this.#head;
      const count = Math.min(samples.length - offset, Math.max(limit, 1));
      this.#write(samples.subarray(offset, offset + count));
      offset += count;
      this.#emitReady(clips);
    }
    return clips;
  }

  /** Registers a final event and returns the clips completed now (its own, if its audio is all here). */
  addEvent(event: LaughterEvent): LaughterClip[] {
    this.#assertOpen("addEvent");
    if (!(Number.isFinite(event.startMs) && Number.isFinite(event.endMs) && event.startMs >= 0)) {
      throw new RangeError(`ClipCutter.addEvent: bad event bounds ${event.startMs}–${event.endMs} ms`);
    }
    if (event.endMs < event.startMs || event.startMs < this.#lastEventStartMs) {
      throw new RangeError(
        `ClipCutter.addEvent: events must be added in time order with endMs >= startMs; got ${event.startMs}–${event.endMs} ms after an event starting at ${this.#lastEventStartMs} ms`,
      );
    }
    this.#lastEventStartMs = event.startMs;
    const { paddingMs, maxClipMs } = this.options;
    const clipStartMs = Math.max(0, event.startMs - paddingMs);
    const clipEndMs = Math.min(event.endMs + paddingMs, clipStartMs + maxClipMs);
    const clip = { event, clipStartMs, clipEndMs };
    this.#assertBuffered(clip);
    this.#pending.push(clip);
    const clips: LaughterClip[] = [];
    this.#emitReady(clips);
    return clips;
  }

  /** Ends the recording: every pending clip is cut, its end clamped to the audio's duration. */
  end(): LaughterClip[] {
    if (this.#ended) return [];
    this.#ended = true;
    const durationMs = this.receivedMs;
    const clips: LaughterClip[] = [];
    for (const clip of this.#pending) {
      clip.clipEndMs = Math.min(clip.clipEndMs, durationMs);
      clip.clipStartMs = Math.min(clip.clipStartMs, clip.clipEndMs);
      clips.push(this.#cut(clip));
    }
    this.#pending = [];
    return clips;
  }

  #assertOpen(method: string): void {
    if (this.#ended)
      throw new Error(`ClipCutter.${method}: called after end(); use one cutter per recording`);
  }

  #sampleAt(ms: number): number {
    return Math.round((ms * this.options.sampleRateHz) / 1000);
  }

  #write(chunk: Float32Array): void {
    const capacity = this.capacitySamples;
    // Only the last `capacity` samples of a chunk can survive.
    const skip = Math.max(0, chunk.length - capacity);
    let position = (this.#head + skip) % capacity;
    let rest = chunk.subarray(skip);
    while (rest.length > 0) {
      const n = Math.min(rest.length, capacity - position);
      this.#ring.set(rest.subarray(0, n), position);
      rest = rest.subarray(n);
      position = (position + n) % capacity;
    }
    this.#head += chunk.length;
  }

  #emitReady(clips: LaughterClip[]): void {
    while (this.#pending.length > 0 && this.#sampleAt(this.#pending[0].clipEndMs) <= this.#head) {
      clips.push(this.#cut(this.#pending.shift()!));
    }
  }

  #assertBuffered(clip: PendingClip): void {
    const oldest = Math.max(0, this.#head - this.capacitySamples);
    if (this.#sampleAt(clip.clipStartMs) < oldest) {
      throw new Error(
        `ClipCutter internal error: clip ${clip.clipStartMs}–${clip.clipEndMs} ms starts before the oldest buffered audio (${(oldest * 1000) / this.options.sampleRateHz} ms). ` +
          "The event arrived later than maxEventDelayMs or lasted longer than maxEventDurationMs; make those options match the detector and the engine.",
      );
    }
  }

  #cut(clip: PendingClip): LaughterClip {
    this.#assertBuffered(clip);
    const start = this.#sampleAt(clip.clipStartMs);
    const end = Math.max(start, Math.min(this.#sampleAt(clip.clipEndMs), this.#head));
    const samples = new Float32Array(end - start);
    for (let n = start; n < end; n++) samples[n - start] = this.#ring[n % this.capacitySamples];
    return {
      event: clip.event,
      clipStartMs: clip.clipStartMs,
      clipEndMs: clip.clipEndMs,
      wav: encodeWav16(samples, this.options.sampleRateHz),
    };
  }
}
