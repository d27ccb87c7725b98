import { describe, expect, it } from "vitest";
import { buildOggPage } from "../../../test/faults/fault-inputs.ts";
import {
  OggPacketJoiner,
  oggStreamKind,
  opusPacketSamples48k,
  parseOpusHead,
  splitOggPages,
} from "./ogg-opus-packets.ts";

/** An Ogg page of logical stream 77. */
const page = (lacing: number[], body: Uint8Array, { sequence = 2, granule = 0n, flags = 0 } = {}) =>
  buildOggPage({ lacing, body, sequence, granule, flags, serial: 77 });

const filled = (length: number, value: number) => new Uint8Array(length).fill(value);
/** The single page in `bytes`. */
const onePage = (bytes: Uint8Array) => {
  const [only, extra] = splitOggPages(bytes);
  if (only === undefined || extra !== undefined) throw new Error("expected one page");
  return only;
};
const lengths = (packets: Uint8Array[]) => packets.map((packet) => packet.length);

/** A valid OpusHead payload; `patch` overrides bytes by offset. */
function opusHead(patch: Record<number, number> = {}, length = 19): Uint8Array {
  const head = new Uint8Array(length);
  head.set([..."OpusHead"].map((c) => c.charCodeAt(0)));
  head.set([1, 1, 0x38, 0x01, 0x80, 0x3e, 0, 0, 0, 0], 8); // version 1, mono, pre-skip 312, 16 kHz
  for (const [at, value] of Object.entries(patch)) head[Number(at)] = value;
  return head;
}

describe("splitOggPages", () => {
  it("reads each page's fields and payload", () => {
    const block = new Uint8Array([
      ...page([3], filled(3, 1), { sequence: 5, granule: 960n }),
      ...page([], new Uint8Array(0), { flags: 0x04, granule: -1n }),
    ]);
    const [first, second] = splitOggPages(block);
    expect(first).toMatchObject({
      serialNumber: 77,
      sequenceNumber: 5,
      granulePosition: 960n,
      endOfStream: false,
    });
    expect([...(first?.body ?? [])]).toEqual([1, 1, 1]);
    expect(second).toMatchObject({ granulePosition: -1n, endOfStream: true });
  });

  it("refuses bytes that are not whole pages", () => {
    const whole = page([10], filled(10, 2));
    expect(() => splitOggPages(whole.subarray(0, whole.length - 1))).toThrow(/not a whole Ogg page/);
    expect(() => splitOggPages(filled(40, 0))).toThrow(/not a whole Ogg page/);
  });
});

describe("OggPacketJoiner", () => {
  it("splits packets by lacing, a 255 run going on to the next value (255 + 0 is a 255-byte packet)", () => {
    const only = onePage(page([255, 0, 255, 45, 0, 7], filled(255 + 300 + 7, 3)));
    expect(lengths(new OggPacketJoiner().packetsOf(only))).toEqual([255, 300, 0, 7]);
  });

  it("joins a packet continued across pages, and across decode blocks", () => {
    const joiner = new OggPacketJoiner();
    const start = new Uint8Array([...filled(10, 1), ...filled(255, 2)]);
    // Block 1 ends with a page whose last packet runs on; block 2 carries a whole page of its middle, block 3 its end.
    const first = onePage(page([10, 255], start));
    const middle = onePage(page([255], filled(255, 4)));
    const last = onePage(page([20, 5], new Uint8Array([...filled(20, 5), ...filled(5, 6)])));
    expect(lengths(joiner.packetsOf(first))).toEqual([10]);
    expect(joiner.packetsOf(middle)).toEqual([]);
    const packets = joiner.packetsOf(last);
    expect(lengths(packets)).toEqual([255 + 255 + 20, 5]);
    expect(packets[0]?.[0]).toBe(2);
    expect(packets[0]?.[255]).toBe(4);
    expect(packets[0]?.[510]).toBe(5);
  });

  it("keeps an open packet over a page with no segments", () => {
    const joiner = new OggPacketJoiner();
    const pages = [page([255], filled(255, 1)), page([], new Uint8Array(0)), page([1], filled(1, 2))].map(
      onePage,
    );
    expect(pages.map((p) => lengths(joiner.packetsOf(p)))).toEqual([[], [], [256]]);
  });

  it("does not keep a reference to the block of an open packet", () => {
    const joiner = new OggPacketJoiner();
    const block = page([255], filled(255, 1));
    joiner.packetsOf(onePage(block));
    block.fill(9);
    expect(joiner.packetsOf(onePage(page([1], filled(1, 2))))[0]?.[0]).toBe(1);
  });
});

describe("parseOpusHead", () => {
  it("reads channels and pre-skip (mapping family 0)", () => {
    expect(parseOpusHead(opusHead())).toEqual({ channelCount: 1, preSkip48k: 312, channelMappingFamily: 0 });
  });

  it("reads the stream table of mapping family 1", () => {
    const head = opusHead({ 9: 6, 18: 1, 19: 4, 20: 2, 21: 0, 22: 4, 23: 1, 24: 2, 25: 3, 26: 5 }, 27);
    expect(parseOpusHead(head).streams).toEqual({
      streamCount: 4,
      coupledStreamCount: 2,
      channelMapping: [0, 4, 1, 2, 3, 5],
    });
  });

  it.each([
    ["a Vorbis header", new TextEncoder().encode("\x01vorbis and more bytes"), /not an OpusHead/],
    ["a short header", opusHead().subarray(0, 12), /needs 19/],
    ["a family 1 header without its table", opusHead({ 9: 6, 18: 1 }), /needs 27/],
    ["version 2", opusHead({ 8: 2 }), /version 2 is not supported/],
    ["zero channels", opusHead({ 9: 0 }), /channel count 0/],
    [
      "three channels in family 0",
      opusHead({ 9: 3 }),
      /channel count 3 is not valid for channel mapping family 0/,
    ],
  ])("refuses %s with a clear error", (_, head, message) => {
    expect(() => parseOpusHead(head)).toThrow(message);
  });
});

describe("oggStreamKind", () => {
  it.each([
    ["OpusHead", "opus"],
    ["\x01vorbis", "vorbis"],
    ["\x7fFLAC", "flac"],
    ["fishead\0", "other"],
  ])("%s is %s", (start, kind) => {
    expect(oggStreamKind(new TextEncoder().encode(start))).toBe(kind);
  });
});

describe("opusPacketSamples48k", () => {
  it.each([
    ["SILK 20 ms, one frame", [0x08], 960],
    ["SILK 60 ms, two frames (code 1)", [0x19], 5760],
    ["Hybrid 10 ms, code 2", [0x62], 960],
    ["CELT 2.5 ms, code 3 with 6 frames", [0x83, 0x06], 720],
    ["CELT 20 ms, code 3 with its count byte missing", [0xfb], 0],
    ["an empty packet (one 10 ms frame)", [], 480],
  ])("%s", (_, bytes, samples) => {
    expect(opusPacketSamples48k(Uint8Array.from(bytes))).toBe(samples);
  });
});
