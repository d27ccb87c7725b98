/**
 * The ingest function's Ogg Opus check (functions/ingest/ogg-check.ts) on real opusenc output: the
 * duration from the last granule, chained streams adding up, and every way an answer can look fine by
 * its Content-Length yet not be whole audio (cut at a page boundary before the end-of-stream page, cut
 * mid-page, garbage between pages, an HTML error page).
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEV_AUDIO_DIR } from "../../test/harness/shared-assets.ts";
import { windowOggOpus } from "../../test/harness/window-audio.ts";
import { OggOpusCheck } from "../functions/ingest/ogg-check.ts";

let ogg: Uint8Array;

beforeAll(async () => {
  ogg = await windowOggOpus([join(DEV_AUDIO_DIR, "laugh_001.wav")]);
});

function check(bytes: Uint8Array, chunkBytes = 4096) {
  const checker = new OggOpusCheck();
  for (let i = 0; i < bytes.byteLength; i += chunkBytes) checker.push(bytes.subarray(i, i + chunkBytes));
  return checker.end();
}

/** Byte offsets where pages start. */
function pageStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  for (let i = 0; i + 4 <= bytes.byteLength; i++) {
    if (bytes[i] === 0x4f && bytes[i + 1] === 0x67 && bytes[i + 2] === 0x67 && bytes[i + 3] === 0x53) {
      starts.push(i);
    }
  }
  return starts;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe("OggOpusCheck", () => {
  it("reads the duration of a whole stream, whatever the chunking", () => {
    // laugh_001 between two 2 s gaps: a few seconds of audio.
    const { durationMs, streams } = check(ogg);
    expect(streams).toBe(1);
    expect(durationMs).toBeGreaterThan(4000);
    expect(durationMs).toBeLessThan(30_000);
    expect(check(ogg, 1).durationMs).toBe(durationMs);
    expect(check(ogg, 7).durationMs).toBe(durationMs);
  });

  it("adds up chained streams", () => {
    const one = check(ogg).durationMs;
    expect(Math.abs(check(concat(ogg, ogg, ogg)).durationMs - 3 * one)).toBeLessThanOrEqual(2);
  });

  it("refuses a body cut at a page boundary before the end-of-stream page", () => {
    const starts = pageStarts(ogg);
    expect(starts.length).toBeGreaterThan(3);
    expect(() => check(ogg.subarray(0, starts.at(-1)))).toThrow(/^CUT_AUDIO: .*end-of-stream/);
    expect(() => check(ogg.subarray(0, starts[2]))).toThrow(/^CUT_AUDIO/);
  });

  it("refuses a body cut inside a page, and garbage where a page should start", () => {
    expect(() => check(ogg.subarray(0, ogg.byteLength - 10))).toThrow(/^CUT_AUDIO: .*inside a page/);
    const starts = pageStarts(ogg);
    const damaged = concat(
      ogg.subarray(0, starts[3]),
      new Uint8Array(64).fill(0x41),
      ogg.subarray(starts[3]),
    );
    expect(() => check(damaged)).toThrow(/^CORRUPT_OGG/);
  });

  it("refuses an HTML error page and an empty body as not Ogg", () => {
    const html = new TextEncoder().encode("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>");
    expect(() => check(html)).toThrow(/^NOT_OGG/);
    expect(() => check(new Uint8Array(0))).toThrow(/^NOT_OGG/);
    expect(() => check(new TextEncoder().encode("Bad Gateway"))).toThrow(/^NOT_OGG/);
  });
});
