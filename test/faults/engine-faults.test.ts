/**
 * Fault suite, engine side (issue 10): each case reproduces a way main lost or misreported a recording.
 * Real engine, real model, real dev recordings; no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../inference-node/src/engine/engine.ts";
import type { Engine, LaughterClip } from "../../inference-node/src/engine/types.ts";
import { chunked } from "../../tooling/wav-fixtures.ts";
import { longLaughWav } from "./fault-inputs.ts";

/** Like a socket or file stream. */
const STREAM_CHUNK_BYTES = 64 * 1024;

describe("item 1 and 8: laughter longer than the 30 s split", () => {
  // Since issue 18 the default rule has no hysteresis (offset = onset) and the twelve recordings no longer
  // join into one run; a low offset and a longer merge gap make them one laugh longer than 30 s again, which
  // is what this case is about (the split, not detection).
  let joining: Engine;
  beforeAll(async () => {
    joining = await createEngine({ events: { offsetThreshold: 0.02, mergeGapMs: 1920 } });
  });
  afterAll(() => joining.dispose());

  it("keeps every laugh and clip of the twelve joined recordings, split pieces not overlapping", async () => {
    const wav = await longLaughWav();
    const clips: LaughterClip[] = [];
    const result = await joining.detect(chunked(wav, STREAM_CHUNK_BYTES), {
      onClip: (clip) => void clips.push(clip),
    });
    expect(result.durationMs).toBeGreaterThan(58_000);
    expect(result.events.some((e) => e.endMs - e.startMs > 25_000)).toBe(true);
    expect(clips.map((c) => c.event)).toEqual(result.events);
    for (let k = 1; k < result.events.length; k++) {
      expect(result.events[k].startMs).toBeGreaterThanOrEqual(result.events[k - 1].endMs);
    }
  });
});
