import { describe, expect, it } from "vitest";
import { buildOggPage } from "../../../test/faults/fault-inputs.ts";
import { isOggCapture, oggPageByteLength, oggPageGranule, oggPageIsEndOfStream } from "./ogg-page-header.ts";

describe("Ogg page header", () => {
  it("reads a page in place, at any offset", () => {
    const first = buildOggPage({ lacing: [255, 10], body: new Uint8Array(265), granule: -1n });
    const second = buildOggPage({ lacing: [3], body: new Uint8Array(3), granule: 960n, flags: 0x04 });
    const bytes = new Uint8Array([...first, ...second]);
    const at = first.length;
    expect(isOggCapture(bytes, 0) && isOggCapture(bytes, at)).toBe(true);
    expect(isOggCapture(bytes, 1)).toBe(false);
    expect(oggPageByteLength(bytes, 0)).toBe(27 + 2 + 265);
    expect(oggPageByteLength(bytes, at)).toBe(27 + 1 + 3);
    expect(oggPageIsEndOfStream(bytes, 0)).toBe(false);
    expect(oggPageIsEndOfStream(bytes, at)).toBe(true);
    expect(oggPageGranule(bytes)).toBe(-1n);
    expect(oggPageGranule(bytes.subarray(at))).toBe(960n);
  });

  it("needs only the header and lacing values for the length", () => {
    const page = buildOggPage({ lacing: [200, 7], body: new Uint8Array(207) });
    expect(oggPageByteLength(page.subarray(0, 29), 0)).toBe(page.length);
  });
});
