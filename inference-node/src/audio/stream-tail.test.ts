import { describe, expect, it } from "vitest";
import { StreamTail } from "./stream-tail.ts";

describe("StreamTail", () => {
  it("keeps the last bytes however the stream is chunked", () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    for (const chunkBytes of [1, 7, 100, 999, 1000]) {
      const tail = new StreamTail(64);
      for (let at = 0; at < bytes.length; at += chunkBytes) tail.push(bytes.subarray(at, at + chunkBytes));
      expect(tail.bytes()).toEqual(bytes.subarray(1000 - 64));
    }
  });

  it("returns what there is when less than its capacity passed", () => {
    const tail = new StreamTail(64);
    tail.push(Uint8Array.of(1, 2, 3));
    expect(tail.bytes()).toEqual(Uint8Array.of(1, 2, 3));
  });
});
