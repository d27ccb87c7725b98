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

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
});
afterAll(() => engine.dispose());

describe("item 1 and 8: laughter longer than the 30 s split", () => {
  it("keeps every laugh and clip of the twelve joined recordings, split pieces not overlapping", async () => {
    const wav = await longLaughWav();
    const clips: LaughterClip[] = [];
    const result = await engine.detect(chunked(wav, STREAM_CHUNK_BYTES), {
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
