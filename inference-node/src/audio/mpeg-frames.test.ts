import { describe, expect, it } from "vitest";
import { MpegFrameCounter, mpegFrameLength, mpegTailIsCut } from "./mpeg-frames.ts";

/** `count` MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz, no padding (417 bytes each). */
function frames(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 417);
  for (let i = 0; i < count; i++) bytes.set([0xff, 0xfb, 0x90, 0x00], i * 417);
  return bytes;
}

describe("mpeg-frames", () => {
  it("computes frame lengths from the header", () => {
    expect(mpegFrameLength(frames(1), 0)).toBe(417);
    expect(mpegFrameLength(Uint8Array.from([0xff, 0xfb, 0x92, 0x00]), 0)).toBe(418); // padding bit
    expect(mpegFrameLength(Uint8Array.from([0x00, 0xfb, 0x90, 0x00]), 0)).toBe(0);
  });

  it("a whole last frame is not a cut; a partial one is", () => {
    const whole = frames(10);
    expect(mpegTailIsCut(whole)).toBe(false);
    expect(mpegTailIsCut(whole.subarray(0, whole.length - 100))).toBe(true);
    // An ID3v1 tag after the last frame is not a cut either.
    const tagged = new Uint8Array(whole.length + 128);
    tagged.set(whole);
    tagged.set([0x54, 0x41, 0x47], whole.length);
    expect(mpegTailIsCut(tagged)).toBe(false);
  });

  it("claims nothing without a chain of frames", () => {
    expect(mpegTailIsCut(new Uint8Array(1000))).toBe(false);
  });

  it("counts real frames however the stream is chunked, and the junk between them", () => {
    const stream = frames(20);
    const damaged = new Uint8Array(stream.length + 50);
    damaged.set(stream.subarray(0, 417 * 10));
    damaged.set(stream.subarray(417 * 10), 417 * 10 + 50); // 50 bytes of zeros after frame 10
    for (const chunkBytes of [1, 100, 417, 5000]) {
      const counter = new MpegFrameCounter();
      for (let at = 0; at < damaged.length; at += chunkBytes)
        counter.push(damaged.subarray(at, at + chunkBytes));
      counter.end();
      // The frame before the gap is not counted: no header where it ends confirms it (a conservative count).
      expect(counter.frames, `chunks of ${chunkBytes}`).toBe(19);
      expect(counter.seconds).toBeCloseTo((19 * 1152) / 44_100, 6);
      // The gap runs from that unconfirmed frame to the next header.
      expect(counter).toMatchObject({ gapBytes: 417 + 50, firstGapOffset: 417 * 9 });
    }
  });
});
