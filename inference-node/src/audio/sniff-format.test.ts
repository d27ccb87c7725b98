import { describe, expect, it } from "vitest";
import { describeUnsupported, sniffFormat } from "./sniff-format.ts";

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

/** An Ogg page header with one segment, followed by the start of its first packet. */
const oggPage = (packetStart: string) =>
  bytes("OggS", new Array(22).fill(0), [1], [packetStart.length], packetStart);

describe("sniffFormat", () => {
  it.each([
    ["wav", bytes("RIFF", [0, 0, 0, 0], "WAVEfmt ")],
    ["wav", bytes("RF64", [0xff, 0xff, 0xff, 0xff], "WAVEds64")],
    ["ogg-opus", oggPage("OpusHead")],
    ["ogg-vorbis", oggPage("\x01vorbis")],
    ["flac", bytes("fLaC", [0, 0, 0, 34])],
    ["mp3", bytes("ID3", [4, 0, 0, 0, 0, 0, 0])],
    ["mp3", bytes([0xff, 0xfb, 0x90, 0x64])],
  ])("recognises %s", (format, head) => {
    expect(sniffFormat(head)).toBe(format);
  });

  it.each([
    ["Ogg FLAC", oggPage("\x7fFLAC")],
    ["big-endian", bytes("RIFX", [0, 0, 0, 0], "WAVE")],
    ["MP4", bytes([0, 0, 0, 0x20], "ftypM4A ")],
    ["ADTS", bytes([0xff, 0xf1, 0x50, 0x80])],
    ["unrecognised", bytes("hello world")],
  ])("rejects %s with a specific description", (name, head) => {
    expect(sniffFormat(head)).toBeUndefined();
    expect(describeUnsupported(head)).toContain(name);
  });
});
