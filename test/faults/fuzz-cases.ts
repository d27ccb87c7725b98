/**
 * @module
 * The decoder fuzz's inputs: seeded mutations of small real recordings in every supported format.
 * Each case says what a correct outcome must keep: `sourceMs` is the audio the unmutated source holds,
 * when the mutation leaves it all there to be found (bit flips in the payload, truncation: the audio
 * the user lost is measured against it).
 *
 * After the `count` cases of the six first kinds come `count / 5` more of two kinds from issue 19 item 7, which
 * are damage, never truncation: `ogg-eos` (one Ogg page's end-of-stream bit set, its CRC left as it was: the
 * rest of the recording used to be dropped without a word) and `mp3-resync` (one to three valid-looking MPEG
 * frames of noise inserted before a real frame: mpg123 used to lose real frames after them without a word).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mpegFrameLength } from "../../inference-node/src/audio/mpeg-frames.ts";
import { seededRandom } from "../../tooling/seeded-random.ts";
import {
  concatBytes,
  devAudio,
  encodeMp3,
  joinedDevAudio,
  mpegFrameStarts,
  oggPageStarts,
} from "./fault-inputs.ts";

export interface FuzzSource {
  name: string;
  bytes: Uint8Array;
  /** Decoded duration of the unmutated source, ms. */
  durationMs: number;
}

export type FuzzKind =
  | "truncate"
  | "bit-flips"
  | "header-field"
  | "wrong-container"
  | "concatenation"
  | "fake-headers"
  | "ogg-eos"
  | "mp3-resync";

/** The kinds that damage a whole stream and cut nothing: a "truncated" verdict on them is wrong. */
export const DAMAGE_ONLY_KINDS = ["ogg-eos", "mp3-resync"] as const satisfies readonly FuzzKind[];

export interface FuzzCase {
  index: number;
  kind: FuzzKind;
  source: string;
  description: string;
  bytes: Uint8Array;
  /** Audio a silent exit 0 must not lose more than 10 % of; undefined when the mutation redefines it. */
  sourceMs?: number;
}

/** The sources: a WAV, a FLAC, an Ogg Vorbis, an MP3 (lamejs) and, with opusenc on PATH, an Ogg Opus. */
export async function loadFuzzSources(): Promise<Omit<FuzzSource, "durationMs">[]> {
  const wav = devAudio("laugh_040.wav");
  const sources = [
    { name: "laugh_040.wav", bytes: wav },
    { name: "speech_002.flac", bytes: devAudio("speech_002.flac") },
    { name: "speech_004.ogg", bytes: devAudio("speech_004.ogg") },
    { name: "laugh_040.mp3", bytes: await encodeMp3(await joinedDevAudio(["laugh_040.wav"])) },
  ];
  if (existsSync("/usr/bin/opusenc")) {
    const dir = mkdtempSync(join(tmpdir(), "giggles-fuzz-opus-"));
    try {
      writeFileSync(join(dir, "in.wav"), wav);
      execFileSync("/usr/bin/opusenc", [
        "--quiet",
        "--bitrate",
        "24",
        join(dir, "in.wav"),
        join(dir, "out.opus"),
      ]);
      sources.push({ name: "laugh_040.opus", bytes: new Uint8Array(readFileSync(join(dir, "out.opus"))) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return sources;
}

const MP3_FRAME_HEADER = [0xff, 0xfb, 0x90, 0x64];

/** `count` seeded cases, spread over the kinds and sources, then `count / 5` damage-only cases (see the module). */
export function makeFuzzCases(sources: readonly FuzzSource[], seed: number, count: number): FuzzCase[] {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const kinds: Exclude<FuzzKind, (typeof DAMAGE_ONLY_KINDS)[number]>[] = [
    "truncate",
    "truncate",
    "bit-flips",
    "bit-flips",
    "header-field",
    "wrong-container",
    "concatenation",
    "fake-headers",
  ];
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    const kind = kinds[index % kinds.length];
    const source = sources[int(sources.length)];
    const base = source.bytes;
    let bytes: Uint8Array;
    let description: string;
    let sourceMs: number | undefined;
    switch (kind) {
      case "truncate": {
        // Half the cuts fall in the first 2 KB (inside headers), half anywhere.
        const at = random() < 0.5 ? int(Math.min(2048, base.length)) : int(base.length);
        bytes = base.slice(0, at);
        description = `cut at byte ${at} of ${base.length}`;
        sourceMs = source.durationMs;
        break;
      }
      case "bit-flips": {
        bytes = base.slice();
        const flips = 1 + int(8);
        const offsets: number[] = [];
        for (let k = 0; k < flips; k++) {
          const at = int(bytes.length);
          bytes[at] ^= 1 << int(8);
          offsets.push(at);
        }
        description = `${flips} bit flip(s) at ${offsets.join(",")}`;
        sourceMs = source.durationMs;
        break;
      }
      case "header-field": {
        bytes = base.slice();
        const at = int(Math.min(64, bytes.length - 4));
        const value = pick([0, 1, 0xff, 0x7fffffff, 0xffffffff, 0x80000000, 2_000_000_000, int(2 ** 32)]);
        new DataView(bytes.buffer).setUint32(at, value >>> 0, true);
        description = `uint32 ${value} written at header byte ${at}`;
        break;
      }
      case "wrong-container": {
        const other = pick(sources);
        const magic = pick([
          "RIFF\0\0\0\0WAVE",
          "fLaC",
          "OggS\0\x02",
          "ID3\x04\0\0\0\0\0\0",
          "\xff\xfb\x90\x64",
        ]);
        bytes = concatBytes([Uint8Array.from(magic, (c) => c.charCodeAt(0)), other.bytes.subarray(int(64))]);
        description = `"${JSON.stringify(magic)}" + ${other.name} from a random offset`;
        break;
      }
      case "concatenation": {
        const other = pick(sources);
        bytes = concatBytes([base, other.bytes]);
        description = `${source.name} + ${other.name}`;
        sourceMs = source.durationMs;
        break;
      }
      case "fake-headers": {
        // Issue 10 item 15: repeated frame or codec headers, then random bytes.
        const vorbis = base.subarray(0, Math.min(4096, base.length));
        const unit = random() < 0.5 ? Uint8Array.from(MP3_FRAME_HEADER) : vorbis;
        const parts: Uint8Array[] = [];
        for (let size = 0; size < 200 * 1024; size += unit.length) parts.push(unit);
        parts.push(Uint8Array.from({ length: 64 * 1024 }, () => int(256)));
        bytes = concatBytes(parts);
        description =
          unit.length === 4
            ? "200 KB of MP3 frame headers + random"
            : `200 KB of ${source.name}'s headers + random`;
        break;
      }
    }
    cases.push({
      index,
      kind,
      source: source.name,
      description,
      bytes,
      ...(sourceMs === undefined ? {} : { sourceMs }),
    });
  }
  const oggSources = sources.filter((source) => /\.(ogg|opus)$/.test(source.name));
  const mp3Sources = sources.filter((source) => source.name.endsWith(".mp3"));
  const damageCount = Math.round(count / 5);
  for (let k = 0; k < damageCount; k++) {
    const oggTurn = k % 2 === 0;
    const pool = oggTurn ? oggSources : mp3Sources;
    if (pool.length === 0) continue;
    const source = pick(pool);
    const mutation = oggTurn ? damageOggPage(source.bytes, int) : insertFakeFrames(source.bytes, int, random);
    if (mutation === undefined) continue;
    cases.push({
      index: cases.length,
      kind: oggTurn ? "ogg-eos" : "mp3-resync",
      source: source.name,
      ...mutation,
      sourceMs: source.durationMs,
    });
  }
  return cases;
}

/** Sets the end-of-stream bit of one page after the two header pages (not the last), CRC unchanged. */
function damageOggPage(
  base: Uint8Array,
  int: (n: number) => number,
): { bytes: Uint8Array; description: string } | undefined {
  const pages = oggPageStarts(base);
  if (pages.length < 4) return undefined;
  const page = 2 + int(pages.length - 3);
  const at = pages[page] ?? 0;
  const bytes = base.slice();
  bytes[at + 5] = (bytes[at + 5] ?? 0) | 0x04;
  return {
    bytes,
    description: `end-of-stream bit set on page ${page} of ${pages.length} (byte ${at}), CRC not updated`,
  };
}

/** Inserts one to three copies of a valid-looking MPEG frame (a random valid header, then noise) before a real frame. */
function insertFakeFrames(
  base: Uint8Array,
  int: (n: number) => number,
  random: () => number,
): { bytes: Uint8Array; description: string } | undefined {
  const frames = mpegFrameStarts(base);
  if (frames.length < 12) return undefined;
  let header = Uint8Array.of(0xff, 0xe0 | int(32), int(256), int(256));
  for (let tries = 0; mpegFrameLength(header, 0) === 0 && tries < 100; tries++)
    header = Uint8Array.of(0xff, 0xe0 | int(32), int(256), int(256));
  const length = mpegFrameLength(header, 0);
  if (length === 0) return undefined;
  const fake = concatBytes([
    header,
    Uint8Array.from({ length: length - 4 }, () => Math.floor(random() * 256)),
  ]);
  const copies = 1 + int(3);
  const frame = 5 + int(frames.length - 10);
  const at = frames[frame] ?? 0;
  const bytes = concatBytes([
    base.subarray(0, at),
    ...Array<Uint8Array>(copies).fill(fake),
    base.subarray(at),
  ]);
  const hex = [...header].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return {
    bytes,
    description: `${copies} fake ${length}-byte frame(s) (header ${hex}) before frame ${frame} (byte ${at})`,
  };
}
