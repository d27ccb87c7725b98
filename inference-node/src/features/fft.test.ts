import { describe, expect, it } from "vitest";
import { createRealFft } from "./fft.ts";

/** Direct O(N²) DFT, the definition the FFT must agree with. */
function naiveDft(x: Float64Array, size: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(size / 2 + 1);
  const im = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) {
    for (let n = 0; n < x.length; n++) {
      re[k] += x[n] * Math.cos((2 * Math.PI * k * n) / size);
      im[k] -= x[n] * Math.sin((2 * Math.PI * k * n) / size);
    }
  }
  return { re, im };
}

describe("createRealFft", () => {
  it("matches the naive DFT for a zero-padded 400-sample input", () => {
    const x = new Float64Array(400);
    for (let n = 0; n < x.length; n++)
      x[n] = Math.sin(n * 0.37) + 0.5 * Math.cos(n * 1.91) + ((n * 7919) % 13) / 13;
    const fft = createRealFft(512);
    const re = new Float64Array(257);
    const im = new Float64Array(257);
    fft.forward(x, re, im);
    const reference = naiveDft(x, 512);
    for (let k = 0; k <= 256; k++) {
      expect(re[k]).toBeCloseTo(reference.re[k], 9);
      expect(im[k]).toBeCloseTo(reference.im[k], 9);
    }
  });

  it("matches the naive DFT for an odd-length input (its last sample pairs with a zero)", () => {
    const x = new Float64Array(37);
    for (let n = 0; n < x.length; n++) x[n] = Math.cos(n * 0.61) - ((n * 31) % 7) / 7;
    const re = new Float64Array(33);
    const im = new Float64Array(33);
    createRealFft(64).forward(x, re, im);
    const reference = naiveDft(x, 64);
    for (let k = 0; k <= 32; k++) {
      expect(re[k]).toBeCloseTo(reference.re[k], 9);
      expect(im[k]).toBeCloseTo(reference.im[k], 9);
    }
  });

  it("matches the naive DFT at every size, whether log2(N/2) is even or odd", () => {
    // N/2 = 2, 4, 8, …, 1024: a lone radix-2 stage, radix-4 passes only, and both together.
    for (let size = 4; size <= 2048; size *= 2) {
      const x = new Float64Array(size - 3);
      for (let n = 0; n < x.length; n++) x[n] = Math.sin(n * 0.91 + size) - ((n * 13) % 5) / 5;
      const re = new Float64Array(size / 2 + 1);
      const im = new Float64Array(size / 2 + 1);
      const fft = createRealFft(size);
      fft.forward(x, re, im);
      const magnitude = new Float64Array(size / 2 + 1);
      fft.magnitude(x, magnitude);
      const reference = naiveDft(x, size);
      for (let k = 0; k <= size / 2; k++) {
        expect(re[k]).toBeCloseTo(reference.re[k], 8);
        expect(im[k]).toBeCloseTo(reference.im[k], 8);
        expect(magnitude[k]).toBeCloseTo(Math.hypot(reference.re[k], reference.im[k]), 8);
      }
    }
  });

  it("gives the same spectrum when reused on another input", () => {
    const fft = createRealFft(512);
    const first = new Float64Array(257);
    const again = new Float64Array(257);
    const x = Float64Array.from({ length: 400 }, (_, n) => Math.cos(n * 0.3));
    fft.magnitude(x, first);
    fft.magnitude(
      Float64Array.from({ length: 512 }, (_, n) => n),
      new Float64Array(257),
    );
    fft.magnitude(x, again);
    expect(again).toEqual(first);
  });

  it("puts a pure tone in its bin", () => {
    const x = new Float64Array(512);
    for (let n = 0; n < 512; n++) x[n] = Math.cos((2 * Math.PI * 32 * n) / 512);
    const magnitude = new Float64Array(257);
    createRealFft(512).magnitude(x, magnitude);
    expect(magnitude[32]).toBeCloseTo(256, 9);
    expect(magnitude[31]).toBeCloseTo(0, 9);
    expect(magnitude[0]).toBeCloseTo(0, 9);
  });

  it("rejects sizes that are not powers of two", () => {
    expect(() => createRealFft(400)).toThrow(/power of two/);
  });
});
