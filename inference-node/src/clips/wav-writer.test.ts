import { describe, expect, it } from "vitest";
import { encodeWav16, WAV_HEADER_BYTES } from "./wav-writer.ts";

describe("encodeWav16", () => {
  it("writes a canonical 16-bit PCM mono header", () => {
    const bytes = encodeWav16(new Float32Array(10), 16_000);
    const view = new DataView(bytes.buffer);
    const ascii = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
    expect(bytes.length).toBe(WAV_HEADER_BYTES + 20);
    expect(ascii(0)).toBe("RIFF");
    expect(view.getUint32(4, true)).toBe(36 + 20);
    expect(ascii(8)).toBe("WAVE");
    expect(ascii(12)).toBe("fmt ");
    expect(view.getUint32(16, true)).toBe(16);
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(16_000);
    expect(view.getUint32(28, true)).toBe(32_000);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint16(34, true)).toBe(16);
    expect(ascii(36)).toBe("data");
    expect(view.getUint32(40, true)).toBe(20);
  });

  it("clamps, rounds and scales symmetrically", () => {
    const bytes = encodeWav16(
      Float32Array.from([0, 1, -1, 2, -2, 0.5, -0.5, 1 / 32767 / 2 - 1e-9, Number.NaN]),
    );
    const pcm = Array.from({ length: 9 }, (_, i) => new DataView(bytes.buffer).getInt16(44 + 2 * i, true));
    expect(pcm).toEqual([0, 32767, -32767, 32767, -32767, 16384, -16384, 0, 0]);
  });

  it("rejects a bad sample rate", () => {
    expect(() => encodeWav16(new Float32Array(1), 0)).toThrow(/sampleRateHz must be a positive integer/);
  });
});
