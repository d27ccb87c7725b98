import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OggOpusDecoder } from "ogg-opus-decoder";
import { OpusDecoder } from "opus-decoder";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  buildOggPage,
  concatBytes,
  oggPageStarts,
  rewriteOggPageCrc,
} from "../../../test/faults/fault-inputs.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { buildWav, chunked, collectSamples, sine } from "../../../tooling/wav-fixtures.ts";
import { ByteReader } from "./byte-reader.ts";
import { AudioDecodeError, decodeTo16kMono } from "./decode-stream.ts";
import { readOggBlock } from "./ogg-blocks.ts";
import { OggPacketJoiner, splitOggPages } from "./ogg-opus-packets.ts";
import { OggOpusStreamDecoder } from "./opus-stream-decoder.ts";
import type { DecodedAudio, StreamingDecoder } from "./streaming-decoder.ts";

const DEV_DIR = join(import.meta.dirname, "../../../../shared/audio/dev");
const DAYLIFE_DIR = join(import.meta.dirname, "../../../../shared/audio/daylife/ambient");
const OPUSENC = "/usr/bin/opusenc";
/** As codec-decoder.ts feeds the decoder. */
const INPUT_BLOCK_BYTES = 1 << 14;
const OUTPUT_RATE_HZ = 16_000;

/** What one decode or flush call returned, reduced to what decodeCodec uses (samples as a digest). */
interface CallSummary {
  call: string;
  samplesDecoded?: number;
  sampleRate?: number;
  channels?: number;
  sha256?: string;
  errors?: string[];
  threw?: string;
}

function summarise(call: string, decoded: DecodedAudio): CallSummary {
  const hash = createHash("sha256");
  for (const channel of decoded.channelData) {
    hash.update(new Uint8Array(channel.buffer, channel.byteOffset, channel.byteLength));
  }
  return {
    call,
    samplesDecoded: decoded.samplesDecoded,
    sampleRate: decoded.sampleRate,
    channels: decoded.channelData.length,
    sha256: hash.digest("hex"),
    errors: decoded.errors.map((error) => error.message),
  };
}

/** Drives a decoder exactly as decodeCodec does: CRC-checked blocks, a flush after an end-of-stream page and at the end. */
async function decodeCalls(
  bytes: Uint8Array,
  decoder: StreamingDecoder,
  thrown: string[] = [],
): Promise<CallSummary[]> {
  const calls: CallSummary[] = [];
  const reader = new ByteReader(chunked(bytes, 4096));
  await decoder.ready;
  const step = async (call: string, run: () => DecodedAudio | Promise<DecodedAudio>): Promise<boolean> => {
    try {
      calls.push(summarise(call, await run()));
      return true;
    } catch (error) {
      calls.push({ call, threw: "an error" });
      thrown.push(error instanceof Error ? error.message : String(error));
      return false;
    }
  };
  try {
    for (;;) {
      const block = await readOggBlock(reader, INPUT_BLOCK_BYTES);
      if (block.bytes.byteLength === 0) break;
      if (!(await step("decode", () => decoder.decode(block.bytes)))) return calls;
      const flush = decoder.flush;
      if (block.endOfStream && flush !== undefined && !(await step("flush", () => flush.call(decoder)))) {
        return calls;
      }
    }
    const flush = decoder.flush;
    if (flush !== undefined) await step("flush", () => flush.call(decoder));
    return calls;
  } finally {
    decoder.free();
  }
}

function oldDecoder(): StreamingDecoder {
  // ogg-opus-decoder's typings lack `sampleRate` (codec-decoder.ts used it the same way).
  const options = { forceStereo: false, sampleRate: OUTPUT_RATE_HZ };
  return new OggOpusDecoder(options);
}

/** Decodes both ways; `thrown` collects the new decoder's error messages (the old one's were library internals). */
async function expectIdentical(bytes: Uint8Array, thrown: string[] = []): Promise<CallSummary[]> {
  const before = await decodeCalls(bytes, oldDecoder());
  const after = await decodeCalls(bytes, new OggOpusStreamDecoder(OpusDecoder, OUTPUT_RATE_HZ), thrown);
  expect(after).toEqual(before);
  return after;
}

const totalSamples = (calls: readonly CallSummary[]) =>
  calls.reduce((sum, call) => sum + (call.samplesDecoded ?? 0), 0);

/**
 * The same stream with its audio packets re-cut into pages of at most `maxBodyBytes`, so packets run across
 * pages (and blocks). Granules follow RFC 3533: the last packet ending on a page, -1 when none does.
 */
function repaginate(bytes: Uint8Array, maxBodyBytes: number): Uint8Array {
  const source = splitOggPages(bytes);
  const joiner = new OggPacketJoiner();
  const head = source[0];
  const lastPage = source[source.length - 1];
  if (head === undefined || lastPage === undefined) throw new Error("no pages");
  const audio: Uint8Array[] = [];
  const headers: Uint8Array[] = [];
  for (const page of source)
    for (const packet of joiner.packetsOf(page)) (headers.length < 2 ? headers : audio).push(packet);
  const durations48k = audio.map((packet) => {
    const code = (packet[0] ?? 0) & 3;
    const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
    const config = (packet[0] ?? 0) >> 3;
    const frameMs =
      config < 12
        ? [10, 20, 40, 60][config % 4]
        : config < 16
          ? [10, 20][config % 2]
          : [2.5, 5, 10, 20][config % 4];
    return ((frameMs ?? 0) * 48 * frames) | 0;
  });
  const pages: Uint8Array[] = [];
  const writePage = (
    flags: number,
    granule: bigint,
    sequence: number,
    lacing: number[],
    body: Uint8Array,
  ) => {
    pages.push(buildOggPage({ lacing, body, sequence, granule, flags, serial: 0x1234 }));
  };
  const lacingOf = (length: number) => [...Array(Math.floor(length / 255)).fill(255), length % 255];
  writePage(0x02, 0n, 0, lacingOf(headers[0]?.length ?? 0), headers[0] ?? new Uint8Array(0));
  writePage(0, 0n, 1, lacingOf(headers[1]?.length ?? 0), headers[1] ?? new Uint8Array(0));
  let granule = 0n;
  let pageGranule = -1n;
  let lacing: number[] = [];
  let body: number[] = [];
  const emit = (last: boolean) => {
    writePage(
      last ? 0x04 : 0,
      last ? lastPage.granulePosition : pageGranule,
      pages.length,
      lacing,
      Uint8Array.from(body),
    );
    lacing = [];
    body = [];
    pageGranule = -1n;
  };
  audio.forEach((packet, index) => {
    const values = lacingOf(packet.length);
    let at = 0;
    for (const value of values) {
      if (body.length + value > maxBodyBytes || lacing.length === 255) emit(false);
      lacing.push(value);
      for (let i = 0; i < value; i++) body.push(packet[at + i] ?? 0);
      at += value;
    }
    granule += BigInt(durations48k[index] ?? 0);
    pageGranule = granule;
  });
  emit(true);
  return concatBytes(pages);
}

describe.skipIf(!existsSync(OPUSENC) || !existsSync(DEV_DIR))(
  "OggOpusStreamDecoder gives what ogg-opus-decoder 1.7.5 gave, call by call",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "giggles-opus-equivalence-"));
    const files = new Map<string, Uint8Array>();
    const encode = (name: string, wav: Uint8Array | string, kbps = 24): void => {
      const input = typeof wav === "string" ? wav : join(dir, `${name}.wav`);
      if (typeof wav !== "string") writeFileSync(input, wav);
      const out = join(dir, name);
      execFileSync(OPUSENC, ["--quiet", "--bitrate", String(kbps), input, out], { stdio: "ignore" });
      files.set(name, new Uint8Array(readFileSync(out)));
    };
    const file = (name: string): Uint8Array => {
      const bytes = files.get(name);
      if (bytes === undefined) throw new Error(`${name} was not encoded`);
      return bytes;
    };

    beforeAll(() => {
      vi.spyOn(console, "error").mockImplementation(() => {}); // both print libopus' frame errors
      encode("laugh.opus", join(DEV_DIR, "laugh_002.wav"));
      encode("conv.opus", join(DEV_DIR, "conv_001.wav"));
      encode("laugh-96k.opus", join(DEV_DIR, "laugh_003.wav"), 96);
      const tone = (hz: number) => sine(hz, 48_000, 48_000 * 3, 0.3);
      encode(
        "stereo.opus",
        buildWav({ sampleRateHz: 48_000, channels: [tone(440), tone(660)], encoding: "int16" }),
      );
      encode(
        "six-channels.opus",
        buildWav({
          sampleRateHz: 48_000,
          channels: [220, 330, 440, 550, 660, 770].map(tone),
          encoding: "int16",
          extensible: true,
        }),
        64,
      );
    });
    afterAll(() => {
      vi.restoreAllMocks();
      rmSync(dir, { recursive: true, force: true });
    });

    it.each(["moodist_animals_beehive.opus", "moodist_nature_river.opus"])(
      "daylife %s (a real Ogg Opus file)",
      async (name) => {
        const calls = await expectIdentical(new Uint8Array(readFileSync(join(DAYLIFE_DIR, name))));
        expect(totalSamples(calls)).toBeGreaterThan(OUTPUT_RATE_HZ);
      },
    );

    it.each(["laugh.opus", "conv.opus", "laugh-96k.opus", "stereo.opus", "six-channels.opus"])(
      "%s from opusenc",
      async (name) => {
        const calls = await expectIdentical(file(name));
        expect(totalSamples(calls)).toBeGreaterThan(OUTPUT_RATE_HZ);
      },
    );

    it("a pre-skip that is not a whole number of 16 kHz samples (314 at 48 kHz: rounded, not floored)", async () => {
      const bytes = file("laugh.opus").slice();
      const [headStart = 0, headEnd = 0] = oggPageStarts(bytes);
      const bodyStart = headStart + 27 + (bytes[headStart + 26] ?? 0);
      new DataView(bytes.buffer).setUint16(bodyStart + 10, 314, true);
      rewriteOggPageCrc(bytes, headStart, headEnd);
      await expectIdentical(bytes);
    });

    it("a chained file (three links, mono and stereo)", async () => {
      const calls = await expectIdentical(
        concatBytes([file("laugh.opus"), file("stereo.opus"), file("conv.opus")]),
      );
      expect(calls.filter((call) => call.call === "flush").length).toBeGreaterThanOrEqual(3);
    });

    it("a chained file whose first link was cut before its end-of-stream page", async () => {
      const cut = file("conv.opus").subarray(0, Math.floor(file("conv.opus").length / 2));
      const calls = await expectIdentical(concatBytes([cut, file("stereo.opus")]));
      expect(totalSamples(calls)).toBeGreaterThan(OUTPUT_RATE_HZ);
    });

    it("packets running across pages and blocks, with 255-byte lacing runs", async () => {
      const bytes = repaginate(file("laugh-96k.opus"), 200);
      const pages = splitOggPages(bytes);
      expect(pages.filter((page) => page.lacing[page.lacing.length - 1] === 255).length).toBeGreaterThan(10);
      expect(pages.some((page) => page.granulePosition === -1n)).toBe(true);
      const calls = await expectIdentical(bytes);
      expect(totalSamples(calls)).toBeGreaterThan(OUTPUT_RATE_HZ);
    });

    it("pages failing their CRC (skipped before the decoder: gaps and joins over lost pages)", async () => {
      const random = seededRandom(21);
      const bytes = repaginate(file("conv.opus"), 300).slice();
      const starts = oggPageStarts(bytes);
      for (let k = 0; k < 6; k++) {
        const at = (starts[3 + Math.floor(random() * (starts.length - 4))] ?? 0) + 40;
        bytes[at] = (bytes[at] ?? 0) ^ 0x5a;
      }
      await expectIdentical(bytes);
    });

    it("garbage packets in pages with valid CRCs (libopus frame errors) and a cut tail", async () => {
      const random = seededRandom(7);
      const bytes = file("conv.opus").slice();
      const starts = [...oggPageStarts(bytes), bytes.length];
      for (let k = 0; k < 8; k++) {
        const page = 2 + Math.floor(random() * (starts.length - 4));
        const start = starts[page] ?? 0;
        const end = starts[page + 1] ?? 0;
        const bodyStart = start + 27 + (bytes[start + 26] ?? 0);
        for (let at = bodyStart; at < end; at++) if (random() < 0.3) bytes[at] = Math.floor(random() * 256);
        rewriteOggPageCrc(bytes, start, end);
      }
      const calls = await expectIdentical(bytes);
      expect(calls.some((call) => (call.errors?.length ?? 0) > 0)).toBe(true);
      await expectIdentical(bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    });

    it("a bad OpusHead fails the same call as before, now saying what is wrong (CORRUPT_AUDIO either way)", async () => {
      const bytes = file("laugh.opus").slice();
      const [headStart = 0, headEnd = 0] = oggPageStarts(bytes);
      const bodyStart = headStart + 27 + (bytes[headStart + 26] ?? 0);
      bytes[bodyStart + 8] = 2; // version 2
      rewriteOggPageCrc(bytes, headStart, headEnd);
      const messages: string[] = [];
      const calls = await expectIdentical(bytes, messages);
      expect(calls.at(-1)?.threw).toBeDefined();
      expect(messages).toEqual(["OpusHead version 2 is not supported (only version 1 is)"]);
      const error = await collectSamples(decodeTo16kMono(chunked(bytes, 4096))).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(AudioDecodeError);
      expect(error).toMatchObject({
        code: "CORRUPT_AUDIO",
        message: expect.stringMatching(/OpusHead version 2/),
      });
    });

    it("an end-of-stream bit set mid-stream (CRC fixed), and a lost OpusHead page", async () => {
      const bytes = file("conv.opus").slice();
      const starts = [...oggPageStarts(bytes), bytes.length];
      const page = Math.floor(starts.length / 2);
      bytes[(starts[page] ?? 0) + 5] = (bytes[(starts[page] ?? 0) + 5] ?? 0) | 0x04;
      rewriteOggPageCrc(bytes, starts[page] ?? 0, starts[page + 1] ?? 0);
      await expectIdentical(bytes);
      const headless = file("laugh.opus").slice();
      headless[40] = (headless[40] ?? 0) ^ 0xff;
      const calls = await expectIdentical(headless);
      expect(totalSamples(calls)).toBe(0);
    });
  },
);
