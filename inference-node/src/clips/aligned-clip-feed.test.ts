import { describe, expect, it } from "vitest";
import { CLASS_COUNT, PATCH_HOP_SAMPLES, PATCH_WINDOW_SAMPLES } from "../../../shared/yamnet/constants.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import type { LaughterClip, LaughterEvent } from "../engine/types.ts";
import { EventDetector } from "../events/event-detector.ts";
import { AlignedClipFeed } from "./aligned-clip-feed.ts";
import { ClipCutter } from "./clip-cutter.ts";

function patch(p: number): Float32Array {
  const scores = new Float32Array(CLASS_COUNT);
  scores[13] = p;
  return scores;
}

/**
 * Runs detector + cutter the way the engine does: audio is decoded up to `aheadPatches` patches ahead of
 * the scores (batches in flight), in chunks of random size.
 */
async function run(laughs: [number, number][], patchCount: number, aheadPatches: number, seed: number) {
  const random = seededRandom(seed);
  const detector = new EventDetector({ detector: "rule" });
  const clips: LaughterClip[] = [];
  const feed = new AlignedClipFeed(new ClipCutter(), (clip) => void clips.push(clip));
  const events: LaughterEvent[] = [];
  const totalSamples = (patchCount - 1) * PATCH_HOP_SAMPLES + PATCH_WINDOW_SAMPLES;
  let decoded = 0;
  for (let i = 0; i < patchCount; i++) {
    const wanted = Math.min(totalSamples, (i + aheadPatches) * PATCH_HOP_SAMPLES + PATCH_WINDOW_SAMPLES);
    while (decoded < wanted) {
      const n = Math.min(wanted - decoded, 1 + Math.floor(random() * 40_000));
      feed.pushAudio(new Float32Array(n));
      decoded += n;
    }
    const p = laughs.some(([start, length]) => i >= start && i < start + length) ? 0.9 : 0;
    await feed.beforePatch(i);
    for (const event of detector.push(i, patch(p))) {
      events.push(event);
      await feed.addEvent(event);
    }
  }
  await feed.flushAudio();
  for (const event of detector.end((totalSamples * 1000) / 16_000)) {
    events.push(event);
    await feed.addEvent(event);
  }
  await feed.end();
  return { events, clips };
}

describe("AlignedClipFeed", () => {
  it("cuts one clip per event for laughs of any offset and length, however far decoding runs ahead", async () => {
    const random = seededRandom(10);
    for (let trial = 0; trial < 40; trial++) {
      const offset = Math.floor(random() * 40);
      // Up to 96 s of laughter: several 30 s splits.
      const length = 1 + Math.floor(random() * 200);
      const laughs: [number, number][] = [[offset, length]];
      if (random() < 0.5) laughs.push([offset + length + 1 + Math.floor(random() * 5), 70]);
      const aheadPatches = Math.floor(random() * 4 * 16);
      const { events, clips } = await run(laughs, offset + length + 90, aheadPatches, trial);
      expect(events.length, `trial ${trial}`).toBeGreaterThan(0);
      expect(clips.map((c) => c.event)).toEqual(events);
    }
  });
});
