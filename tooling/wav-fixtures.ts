/**
 * @module
 * Builds WAV bytes in memory for tests: every layout the parser claims to support, without binary fixtures.
 */

/** Sample encodings {@link buildWav} can write. */
export const WAV_SAMPLE_ENCODINGS = ["uint8", "int16", "int24", "int32", "float32", "float64"] as const;
export type WavSampleEncoding = (typeof WAV_SAMPLE_ENCODINGS)[number];

/** Inputs for {@link buildWav}. */
export interface BuildWavOptions {
  sampleRateHz: number;
  /** One array per channel, equal lengths, values in [-1, 1]. */
  channels: Float32Array[];
  encoding: WavSampleEncoding;
  /** Write WAVE_FORMAT_EXTENSIBLE instead of the classic tag. */
  extensible?: boolean;
  /** Put an odd-sized LIST chunk (with its pad byte) before `data`. */
  listChunkBytes?: number;
  /** Override the data chunk's declared size (0 or 0xFFFFFFFF for streamed WAVs). */
  declaredDataBytes?: number;
}

const BYTES: Readonly<Record<WavSampleEncoding, number>> = {
  uint8: 1,
  int16: 2,
  int24: 3,
  int32: 4,
  float32: 4,
  float64: 8,
};

/**
 * Returns a complete little-endian WAV file.
 *
 * @example
 * ```ts
 * buildWav({ sampleRateHz: 8000, channels: [new Float32Array(8000)], encoding: "uint8" });
 * ```
 */
export function buildWav(options: BuildWavOptions): Uint8Array {
  const { sampleRateHz, channels, encoding, extensible = false, listChunkBytes, declaredDataBytes } = options;
  const channelCount = channels.length;
  const frameCount = channels[0]?.length ?? 0;
  const bytesPerSample = BYTES[encoding];
  const blockAlign = bytesPerSample * channelCount;
  const dataBytes = blockAlign * frameCount;
  const isFloat = encoding === "float32" || encoding === "float64";
  const fmtBytes = extensible ? 40 : 16;
  const listTotal = listChunkBytes === undefined ? 0 : 8 + listChunkBytes + (listChunkBytes & 1);
  const total = 12 + 8 + fmtBytes + listTotal + 8 + dataBytes;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i++) bytes[at + i] = value.charCodeAt(i);
  };
  text(0, "RIFF");
  view.setUint32(4, total - 8, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, fmtBytes, true);
  const tag = isFloat ? 3 : 1;
  view.setUint16(20, extensible ? 0xfffe : tag, true);
  view.setUint16(22, channelCount, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bytesPerSample * 8, true);
  if (extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, bytesPerSample * 8, true);
    view.setUint32(40, (1 << channelCount) - 1, true);
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00aa00389b71}
    view.setUint16(44, tag, true);
    bytes.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
  }
  let at = 20 + fmtBytes;
  if (listChunkBytes !== undefined) {
    text(at, "LIST");
    view.setUint32(at + 4, listChunkBytes, true);
    bytes.fill(0x41, at + 8, at + 8 + listChunkBytes);
    at += listTotal;
  }
  text(at, "data");
  view.setUint32(at + 4, declaredDataBytes ?? dataBytes, true);
  at += 8;
  for (let frame = 0; frame < frameCount; frame++) {
    for (let c = 0; c < channelCount; c++, at += bytesPerSample) {
      const value = channels[c]![frame]!;
      const clamp = (scale: number) => Math.max(-scale, Math.min(scale - 1, Math.round(value * scale)));
      switch (encoding) {
        case "uint8":
          view.setUint8(at, clamp(128) + 128);
          break;
        case "int16":
          view.setInt16(at, clamp(32768), true);
          break;
        case "int24": {
          const v = clamp(8388608);
          view.setUint16(at, v & 0xffff, true);
          view.setInt8(at + 2, v >> 16);
          break;
        }
        case "int32":
          view.setInt32(at, clamp(2147483648), true);
          break;
        case "float32":
          view.setFloat32(at, value, true);
          break;
        case "float64":
          view.setFloat64(at, value, true);
          break;
      }
    }
  }
  return bytes;
}

/** Yields `bytes` in pieces of `chunkBytes`, like a socket or file stream would. */
export async function* chunked(bytes: Uint8Array, chunkBytes: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
}

/** Drains a decoder into one array (tests and offline tooling only: real callers must stream). */
export async function collectSamples(chunks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  let total = 0;
  for await (const part of chunks) {
    parts.push(part);
    total += part.length;
  }
  const all = new Float32Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** A sine of `frequencyHz` at `amplitude`, `sampleCount` long. */
export function sine(
  frequencyHz: number,
  sampleRateHz: number,
  sampleCount: number,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(sampleCount);
  for (let i = 0; i < sampleCount; i++)
    out[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz);
  return out;
}
