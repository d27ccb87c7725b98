/**
 * @module
 * Streaming WAV (RIFF/RF64) parser: walks chunks, reads `fmt `, then converts `data` a block at a time,
 * so a multi-gigabyte phone recording never sits in memory.
 */
import {
  AudioDecodeError,
  type AudioDecodeWarning,
  assertSupportedSampleRate,
  SUPPORTED_FORMATS_DESCRIPTION,
} from "./audio-decode-error.ts";
import type { ByteReader } from "./byte-reader.ts";
import type { MonoPcmChunk } from "./mono-pcm.ts";

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Names for tags people actually meet, so the error says "A-law" rather than "0x0006". */
const KNOWN_UNSUPPORTED_TAGS: Readonly<Record<number, string>> = {
  2: "MS ADPCM",
  6: "A-law",
  7: "µ-law",
  17: "IMA ADPCM",
  49: "GSM 6.10",
  80: "MPEG",
  85: "MP3",
};
/** Data is converted in blocks of about this many bytes (≈1 s of 16-bit stereo 32 kHz). */
const DATA_BLOCK_BYTES = 1 << 17;
/**
 * Largest `fmt ` or `ds64` chunk we read: real ones are 16–40 bytes (ds64 plus a small table). A giant
 * declared size would otherwise buffer the stream behind it (200 MB: 2 GB RSS on the node, issue 10 item 11).
 */
const MAX_HEADER_CHUNK_BYTES = 64 * 1024;
/** Sizes that mean "unknown, read to end of stream" (writers that stream to a pipe cannot seek back). */
const UNKNOWN_SIZE = 0xffffffff;

type SampleKind = "uint8" | "int16" | "int24" | "int32" | "float32" | "float64";

/** What `fmt ` told us, reduced to what conversion needs. */
export interface WavFormat {
  sampleRateHz: number;
  channelCount: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  sampleKind: SampleKind;
}

const tagName = (tag: number): string =>
  `${KNOWN_UNSUPPORTED_TAGS[tag] ?? "format tag"} (0x${tag.toString(16).padStart(4, "0")})`;

/** Parses a `fmt ` chunk body; exported for tests. */
export function parseWavFormat(body: Uint8Array, byteOffset: number): WavFormat {
  if (body.byteLength < 16) {
    throw new AudioDecodeError(
      "CORRUPT_AUDIO",
      `WAV fmt chunk is ${body.byteLength} bytes; at least 16 expected`,
      {
        byteOffset,
      },
    );
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let tag = view.getUint16(0, true);
  const channelCount = view.getUint16(2, true);
  const sampleRateHz = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bitsPerSample = view.getUint16(14, true);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (body.byteLength < 40) {
      throw new AudioDecodeError(
        "CORRUPT_AUDIO",
        "WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes",
        {
          byteOffset,
        },
      );
    }
    // The sub-format GUID's first two bytes are the classic format tag (KSDATAFORMAT_SUBTYPE_PCM etc.).
    tag = view.getUint16(24, true);
  }
  if (channelCount === 0 || sampleRateHz === 0 || blockAlign === 0 || blockAlign % channelCount !== 0) {
    throw new AudioDecodeError(
      "CORRUPT_AUDIO",
      `WAV fmt chunk is inconsistent: ${channelCount} channels, ${sampleRateHz} Hz, block align ${blockAlign}`,
      { byteOffset },
    );
  }
  assertSupportedSampleRate(sampleRateHz, "WAV", byteOffset);
  // The container size (blockAlign / channels) decides the layout; bitsPerSample may be smaller (20-bit in
  // 24-bit containers), and left-justified samples scale correctly by the container size.
  const containerBytes = blockAlign / channelCount;
  let sampleKind: SampleKind | undefined;
  if (tag === WAVE_FORMAT_PCM) {
    sampleKind = ({ 1: "uint8", 2: "int16", 3: "int24", 4: "int32" } as const)[
      containerBytes as 1 | 2 | 3 | 4
    ];
  } else if (tag === WAVE_FORMAT_IEEE_FLOAT) {
    sampleKind = ({ 4: "float32", 8: "float64" } as const)[containerBytes as 4 | 8];
  } else {
    throw new AudioDecodeError(
      "UNSUPPORTED_FORMAT",
      `WAV encoding ${tagName(tag)} is not supported; supported: ${SUPPORTED_FORMATS_DESCRIPTION}`,
      { byteOffset },
    );
  }
  if (sampleKind === undefined) {
    throw new AudioDecodeError(
      "UNSUPPORTED_FORMAT",
      `WAV ${tag === WAVE_FORMAT_PCM ? "PCM" : "float"} with ${bitsPerSample} bits in ${containerBytes}-byte samples is not supported`,
      { byteOffset },
    );
  }
  return { sampleRateHz, channelCount, blockAlign, sampleKind };
}

/** Converts whole interleaved frames to mono floats by averaging channels. */
export function wavFramesToMono(bytes: Uint8Array, format: WavFormat): Float32Array {
  const { channelCount, blockAlign, sampleKind } = format;
  const frameCount = Math.floor(bytes.byteLength / blockAlign);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(frameCount);
  const containerBytes = blockAlign / channelCount;
  const scale = 1 / channelCount;
  // One loop per sample kind keeps the inner loop monomorphic; this is the hot path for long phone WAVs.
  for (let frame = 0, at = 0; frame < frameCount; frame++) {
    let sum = 0;
    for (let c = 0; c < channelCount; c++, at += containerBytes) {
      switch (sampleKind) {
        case "uint8":
          sum += (view.getUint8(at) - 128) / 128;
          break;
        case "int16":
          sum += view.getInt16(at, true) / 32768;
          break;
        case "int24":
          sum += ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 8388608;
          break;
        case "int32":
          sum += view.getInt32(at, true) / 2147483648;
          break;
        case "float32":
          sum += view.getFloat32(at, true);
          break;
        case "float64":
          sum += view.getFloat64(at, true);
          break;
      }
    }
    out[frame] = channelCount === 1 ? sum : sum * scale;
  }
  return out;
}

const fourCc = (bytes: Uint8Array, at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));

/**
 * Decodes a WAV stream to mono chunks at the file's rate.
 * Throws TRUNCATED_AUDIO if the stream ends inside the header, CORRUPT_AUDIO for impossible headers,
 * UNSUPPORTED_FORMAT for compressed WAV encodings, EMPTY_AUDIO when there are no whole frames.
 */
export async function* decodeWav(
  reader: ByteReader,
  onWarning: (warning: AudioDecodeWarning) => void,
): AsyncGenerator<MonoPcmChunk> {
  const riff = await reader.read(12);
  if (riff.byteLength < 12) {
    throw new AudioDecodeError("TRUNCATED_AUDIO", "WAV ends inside its 12-byte RIFF header", {
      byteOffset: reader.offset,
    });
  }
  const container = fourCc(riff, 0);
  if (!["RIFF", "RF64", "BW64"].includes(container) || fourCc(riff, 8) !== "WAVE") {
    throw new AudioDecodeError(
      "CORRUPT_AUDIO",
      `Not a little-endian RIFF/RF64 WAVE file (starts with "${container}")`,
      { byteOffset: 0 },
    );
  }
  let format: WavFormat | undefined;
  /** RF64 keeps the real data size in its ds64 chunk. */
  let ds64DataBytes: number | undefined;
  for (;;) {
    const chunkOffset = reader.offset;
    const header = await reader.read(8);
    if (header.byteLength < 8) {
      throw new AudioDecodeError(
        "TRUNCATED_AUDIO",
        `WAV ends at byte ${reader.offset} before its ${format ? "data" : "fmt "} chunk`,
        { byteOffset: reader.offset },
      );
    }
    const id = fourCc(header, 0);
    const size = new DataView(header.buffer, header.byteOffset, 8).getUint32(4, true);
    if (id === "data") {
      if (format === undefined) {
        throw new AudioDecodeError("CORRUPT_AUDIO", "WAV data chunk comes before any fmt chunk", {
          byteOffset: chunkOffset,
        });
      }
      let dataBytes = size === 0 || size === UNKNOWN_SIZE ? Number.POSITIVE_INFINITY : size;
      if (size === UNKNOWN_SIZE && ds64DataBytes !== undefined && ds64DataBytes > 0)
        dataBytes = ds64DataBytes;
      yield* readData(reader, format, dataBytes, onWarning);
      return;
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte (RIFF spec, 1991).
    const paddedSize = size + (size & 1);
    if (id === "fmt " || id === "ds64") {
      if (size > MAX_HEADER_CHUNK_BYTES) {
        throw new AudioDecodeError(
          "CORRUPT_AUDIO",
          `WAV "${id}" chunk declares ${size} bytes; a real one is under ${MAX_HEADER_CHUNK_BYTES}`,
          { byteOffset: chunkOffset },
        );
      }
      const body = await reader.read(size);
      if (body.byteLength < size) {
        throw new AudioDecodeError("TRUNCATED_AUDIO", `WAV ends inside its "${id}" chunk`, {
          byteOffset: reader.offset,
        });
      }
      await reader.skip(paddedSize - size);
      if (id === "fmt ") format = parseWavFormat(body, chunkOffset);
      else if (body.byteLength >= 16) {
        const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
        ds64DataBytes = view.getUint32(8, true) + view.getUint32(12, true) * 2 ** 32;
      }
      continue;
    }
    // LIST, fact, bext, JUNK, cue … carry nothing we need.
    const skipped = await reader.skip(paddedSize);
    if (skipped < size) {
      throw new AudioDecodeError(
        "TRUNCATED_AUDIO",
        `WAV ends inside its "${id}" chunk, before the audio data`,
        {
          byteOffset: reader.offset,
        },
      );
    }
  }
}

async function* readData(
  reader: ByteReader,
  format: WavFormat,
  dataBytes: number,
  onWarning: (warning: AudioDecodeWarning) => void,
): AsyncGenerator<MonoPcmChunk> {
  const blockBytes = Math.max(1, Math.floor(DATA_BLOCK_BYTES / format.blockAlign)) * format.blockAlign;
  const dataStart = reader.offset;
  let remaining = dataBytes;
  let frameTotal = 0;
  while (remaining > 0) {
    const want = Math.min(blockBytes, remaining);
    const bytes = await reader.read(want);
    if (bytes.byteLength === 0) break;
    remaining -= bytes.byteLength;
    const frameBytes = bytes.byteLength - (bytes.byteLength % format.blockAlign);
    if (frameBytes < bytes.byteLength) {
      // Only possible at end of stream: a recorder killed mid-write leaves a partial frame.
      onWarning({
        message: `WAV ends mid-frame; dropped ${bytes.byteLength - frameBytes} trailing bytes`,
        byteOffset: reader.offset - (bytes.byteLength - frameBytes),
        truncated: true,
      });
    }
    if (frameBytes > 0) {
      frameTotal += frameBytes / format.blockAlign;
      yield {
        sampleRateHz: format.sampleRateHz,
        samples: wavFramesToMono(bytes.subarray(0, frameBytes), format),
      };
    }
    if (bytes.byteLength < want) break;
  }
  if (Number.isFinite(dataBytes) && remaining > 0) {
    onWarning({
      message: `WAV data chunk declares ${dataBytes} bytes but the stream ended after ${dataBytes - remaining}; decoded what was there`,
      byteOffset: reader.offset,
      truncated: true,
    });
  }
  if (frameTotal === 0) {
    throw new AudioDecodeError("EMPTY_AUDIO", "WAV has no audio frames in its data chunk", {
      byteOffset: dataStart,
    });
  }
}
