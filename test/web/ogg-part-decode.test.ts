/**
 * The page's Ogg Opus cutter (web/src/ogg-part.ts) on a real opusenc file, checked by the engine's own
 * decoder: every part decodes with no warning, and the parts' audio adds up to the whole file's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { indexOggOpus, oggCuts, oggPartBlob } from "../../web/src/ogg-part.ts";
import { SHARED_DIR } from "../harness/shared-assets.ts";

async function decodedMs(bytes: Uint8Array, warnings: string[]): Promise<number> {
  let samples = 0;
  async function* once() {
    yield bytes;
  }
  for await (const chunk of decodeTo16kMono(once(), { onWarning: (w) => warnings.push(JSON.stringify(w)) }))
    samples += chunk.length;
  return samples / 16;
}

describe("Ogg Opus parts cut by the page", () => {
  it("decode one by one, without warnings, to the whole file's length", async () => {
    const bytes = readFileSync(join(SHARED_DIR, "audio/daylife/ambient/moodist_nature_jungle.opus"));
    const file = new Blob([bytes]);
    const layout = await indexOggOpus(file);
    const cuts = oggCuts(layout, [0, 90_000, 180_000, layout.durationMs]);
    expect(cuts).toHaveLength(3);
    const warnings: string[] = [];
    const wholeMs = await decodedMs(new Uint8Array(bytes), warnings);
    let partsMs = 0;
    for (const cut of cuts) {
      const part = new Uint8Array(await (await oggPartBlob(file, layout, cut)).arrayBuffer());
      const ms = await decodedMs(part, warnings);
      expect(Math.abs(ms - (cut.toMs - cut.fromMs))).toBeLessThan(20);
      partsMs += ms;
    }
    expect(warnings).toEqual([]);
    expect(Math.abs(partsMs - wholeMs)).toBeLessThan(50);
    expect(cuts.map((cut) => cut.fromMs)).toEqual([0, cuts[0]?.toMs, cuts[1]?.toMs]);
  });
});
