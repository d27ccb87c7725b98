import { describe, expect, it } from "vitest";
import { probeAudio, UnsupportedAudioError, wavPart } from "./audio-probe.ts";

/** A PCM WAV: 16-bit mono at `rateHz`, `seconds` long, samples = their index (mod 2^15). */
function wav(rateHz: number, seconds: number): Blob {
  const frames = rateHz * seconds;
  const bytes = new Uint8Array(44 + frames * 2);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode("RIFF"), 0);
  view.setUint32(4, 36 + frames * 2, true);
  bytes.set(new TextEncoder().encode("WAVEfmt "), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rateHz, true);
  view.setUint32(28, rateHz * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  bytes.set(new TextEncoder().encode("data"), 36);
  view.setUint32(40, frames * 2, true);
  for (let i = 0; i < frames; i++) view.setInt16(44 + i * 2, i % 32_768, true);
  return new Blob([bytes]);
}

/** An Ogg Opus file's first page (OpusHead with pre-skip 312) and a last page at `granule`. */
function ogg(granule: bigint): Blob {
  const page = (body: Uint8Array<ArrayBuffer>, granulePosition: bigint) => {
    const header = new Uint8Array(28);
    header.set(new TextEncoder().encode("OggS"), 0);
    new DataView(header.buffer).setBigUint64(6, granulePosition, true);
    header[26] = 1;
    header[27] = body.length;
    return new Blob([header, body]);
  };
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"), 0);
  head[8] = 1;
  head[9] = 1;
  new DataView(head.buffer).setUint16(10, 312, true);
  return new Blob([page(head, 0n), page(new Uint8Array(10), granule)]);
}

describe("probeAudio", () => {
  it("reads a WAV's length from its header, and cuts standalone parts at whole frames", async () => {
    const file = wav(8000, 10);
    const probed = await probeAudio(file, "a.wav");
    expect(probed).toMatchObject({ format: "wav", durationMs: 10_000 });
    if (probed.wav === undefined) throw new Error("no layout");
    const part = wavPart(file, probed.wav, 4_000, 7_500);
    const again = await probeAudio(part, "part.wav");
    expect(again.durationMs).toBe(3_500);
    const bytes = new DataView(await part.arrayBuffer());
    expect(bytes.getUint32(4, true)).toBe(part.size - 8);
    expect(bytes.getInt16(44, true)).toBe(32_000); // the sample at 4.000 s
  });

  it("reads an Ogg Opus length from the last page's granule position (minus pre-skip)", async () => {
    expect(await probeAudio(ogg(48_000n * 90n + 312n), "night.opus")).toEqual({
      format: "ogg-opus",
      durationMs: 90_000,
    });
  });

  it("refuses M4A/AAC and other files with a sentence that says what to do", async () => {
    const m4a = new Blob([new Uint8Array([0, 0, 0, 32, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20])]);
    await expect(probeAudio(m4a, "Voice Memo.m4a")).rejects.toThrow(UnsupportedAudioError);
    await expect(probeAudio(m4a, "Voice Memo.m4a")).rejects.toThrow(
      /^An M4A\/AAC file cannot be uploaded\. .*WAV/,
    );
    await expect(probeAudio(new Blob(["hello there"]), "notes.txt")).rejects.toThrow(/^This file cannot/);
  });
});
