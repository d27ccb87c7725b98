import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_AUDIO_DIR } from "../../../test/harness/shared-assets.ts";
import { flacTailReachesEnd } from "./flac-frames.ts";

describe("flacTailReachesEnd", () => {
  // speech_002.flac: 485 100 samples, fixed 4608-sample blocks.
  const flac = new Uint8Array(readFileSync(join(DEV_AUDIO_DIR, "speech_002.flac")));
  const tail = (bytes: Uint8Array) => bytes.subarray(Math.max(0, bytes.length - 64 * 1024));

  it("a whole stream's last frame header reaches the end STREAMINFO announces", () => {
    expect(flacTailReachesEnd(tail(flac), 485_100, 4608)).toBe(true);
  });

  it("a cut stream's does not", () => {
    expect(flacTailReachesEnd(tail(flac.subarray(0, flac.length >> 1)), 485_100, 4608)).toBe(false);
    expect(flacTailReachesEnd(tail(flac.subarray(0, flac.length - 20_000)), 485_100, 4608)).toBe(false);
  });

  it("claims nothing from bytes without frame headers", () => {
    expect(flacTailReachesEnd(new Uint8Array(10_000), 485_100, 4608)).toBe(false);
  });
});
