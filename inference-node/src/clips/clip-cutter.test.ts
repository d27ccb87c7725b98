import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import type { LaughterClip, LaughterEvent } from "../engine/types.ts";
import {
  ClipCutter,
  type ClipCutterOptions,
  DEFAULT_CLIP_OPTIONS,
  ringCapacitySamples,
} from "./clip-cutter.ts";
import { WAV_HEADER_BYTES } from "./wav-writer.ts";

const RATE = 16_000;
const samplesOf = (ms: number): number => Math.round((ms * RATE) / 1000);

/** Ramp whose 16-bit value encodes the sample index: sample n encodes to (n mod 60000) − 30000. */
function ramp(from: number, to: number): Float32Array {
  const out = new Float32Array(to - from);
  for (let n = from; n < to; n++) out[n - from] = ((n % 60_000) - 30_000) / 32_767;
  return out;
}

function pcm(clip: LaughterClip): number[] {
  const view = new DataView(clip.wav.buffer, clip.wav.byteOffset, clip.wav.byteLength);
  return Array.from({ length: (clip.wav.length - WAV_HEADER_BYTES) / 2 }, (_, i) =>
    view.getInt16(WAV_HEADER_BYTES + 2 * i, true),
  );
}

function expectedPcm(startMs: number, endMs: number): number[] {
  return Array.from(
    { length: samplesOf(endMs) - samplesOf(startMs) },
    (_, i) => ((samplesOf(startMs) + i) % 60_000) - 30_000,
  );
}

function event(startMs: number, endMs: number): LaughterEvent {
  return { startMs, endMs, peakProbability: 0.9, meanProbability: 0.5, classId: 13, className: "Laughter" };
}

/**
 * Streams `totalMs` of ramp in random chunks and adds each event once the audio has passed its end by
 * `delayMs` (as the engine would), returning the clips with the audio position at which each came out.
 */
function run(
  events: LaughterEvent[],
  totalMs: number,
  { seed = 1, delayMs = 3_000, options = {} as Partial<ClipCutterOptions> } = {},
): { clips: LaughterClip[]; emittedAtMs: number[]; cutter: ClipCutter } {
  const random = seededRandom(seed);
  const cutter = new ClipCutter(options);
  const clips: LaughterClip[] = [];
  const emittedAtMs: number[] = [];
  const collect = (out: LaughterClip[]): void => {
    for (const clip of out) {
      clips.push(clip);
      emittedAtMs.push(cutter.receivedMs);
    }
  };
  const queue = [...events];
  const total = samplesOf(totalMs);
  for (let n = 0; n < total; ) {
    const size = Math.min(total - n, 1 + Math.floor(random() * random() * 40_000));
    collect(cutter.pushSamples(ramp(n, n + size)));
    n += size;
    while (queue.length > 0 && cutter.receivedMs >= Math.min(queue[0].endMs + delayMs, totalMs)) {
      collect(cutter.addEvent(queue.shift()!));
    }
  }
  for (const e of queue) collect(cutter.addEvent(e));
  collect(cutter.end());
  return { clips, emittedAtMs, cutter };
}

describe("ClipCutter", () => {
  it("cuts sample-exact padded clips from randomly chunked audio", () => {
    const events = [event(5_000, 6_440), event(9_600, 12_000), event(40_000, 41_920)];
    for (const seed of [1, 2, 3, 4, 5]) {
      const { clips, emittedAtMs } = run(events, 120_000, { seed });
      expect(clips.map((c) => [c.clipStartMs, c.clipEndMs])).toEqual([
        [4_000, 7_440],
        [8_600, 13_000],
        [39_000, 42_920],
      ]);
      for (const clip of clips) expect(pcm(clip)).toEqual(expectedPcm(clip.clipStartMs, clip.clipEndMs));
      expect(clips.map((c) => c.event)).toEqual(events);
      // Streaming: each clip comes out as soon as its audio (and its event) are in, long before the end.
      emittedAtMs.forEach((at, i) => {
        expect(at).toBeGreaterThanOrEqual(clips[i].clipEndMs);
        expect(at).toBeLessThan(events[i].endMs + 3_000 + 2_600);
      });
    }
  });

  it("emits a clip on the push that reaches its end, not before", () => {
    const cutter = new ClipCutter();
    expect(cutter.pushSamples(ramp(0, samplesOf(3_000)))).toEqual([]);
    expect(cutter.addEvent(event(1_000, 2_500))).toEqual([]); // needs audio up to 3 500 ms
    expect(cutter.pushSamples(ramp(samplesOf(3_000), samplesOf(3_499)))).toEqual([]);
    const [clip] = cutter.pushSamples(ramp(samplesOf(3_499), samplesOf(4_000)));
    expect([clip.clipStartMs, clip.clipEndMs]).toEqual([0, 3_500]);
    expect(pcm(clip)).toEqual(expectedPcm(0, 3_500));
  });

  it("clamps at the start and, on end(), at the end of the audio", () => {
    const { clips } = run([event(300, 1_260), event(9_000, 9_960)], 10_000, { delayMs: 100_000 });
    expect(clips.map((c) => [c.clipStartMs, c.clipEndMs])).toEqual([
      [0, 2_260],
      [8_000, 10_000],
    ]);
    for (const clip of clips) expect(pcm(clip)).toEqual(expectedPcm(clip.clipStartMs, clip.clipEndMs));
  });

  it("caps long clips to maxClipMs from the clip start", () => {
    const { clips } = run([event(2_000, 9_000)], 20_000, { options: { maxClipMs: 5_000 } });
    expect([clips[0].clipStartMs, clips[0].clipEndMs]).toEqual([1_000, 6_000]);
    expect(pcm(clips[0])).toEqual(expectedPcm(1_000, 6_000));
  });

  it("keeps a ring whose size depends on the options, not on the input length", () => {
    const short = run([event(5_000, 6_000)], 60_000).cutter;
    const long = run([event(5_000, 6_000), event(1_190_000, 1_191_000)], 1_200_000, { seed: 9 }).cutter;
    expect(long.capacitySamples).toBe(short.capacitySamples);
    expect(long.capacitySamples).toBe(ringCapacitySamples(DEFAULT_CLIP_OPTIONS));
    // 1 s padding + 30 s event + (0.96 s merge gap + 0.975 s patch + 5 s engine lag) ≈ 37.9 s of audio.
    expect(long.capacitySamples).toBeLessThan(samplesOf(40_000));
  });

  it("throws instead of cutting a clip whose start is no longer buffered", () => {
    const options = { maxClipMs: 3_000, maxEventDurationMs: 2_000, maxEventDelayMs: 1_000 };
    const cutter = new ClipCutter(options);
    cutter.pushSamples(ramp(0, samplesOf(20_000)));
    expect(() => cutter.addEvent(event(5_000, 6_000))).toThrow(
      /internal error: clip 4000–7000 ms starts before/,
    );
  });

  it("rejects events out of order and calls after end()", () => {
    const cutter = new ClipCutter();
    cutter.addEvent(event(5_000, 6_000));
    expect(() => cutter.addEvent(event(1_000, 2_000))).toThrow(/time order/);
    cutter.end();
    expect(() => cutter.pushSamples(new Float32Array(1))).toThrow(/after end/);
  });
});
