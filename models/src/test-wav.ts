/**
 * @module
 * Test helper: reads a 16-bit PCM mono WAV (the reference fixtures) into Float32Array samples in [-1, 1].
 * Minimal on purpose: walks RIFF chunks to `fmt ` and `data`, rejects anything that is not PCM16 mono.
 */

/** Decoded WAV: sample rate and samples scaled by 1/32768 (as soundfile/sox float conversion does). */
export interface DecodedWav {
  sampleRateHz: number;
  samples: Float32Array;
}

/**
 * Decodes a PCM16 mono WAV file's bytes.
 *
 * @example
 * const { sampleRateHz, samples } = decodeWavPcm16(readFileSync("laugh_001.16k.wav"));
 */
export function decodeWavPcm16(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not a RIFF/WAVE file");
  let sampleRateHz = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      sampleRateHz = view.getUint32(body + 4, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      // 0xfffe is WAVE_FORMAT_EXTENSIBLE, which sox writes for some PCM files.
      if ((format !== 1 && format !== 0xfffe) || channels !== 1 || bitsPerSample !== 16) {
        throw new Error(`expected PCM16 mono, got format ${format}, ${channels} ch, ${bitsPerSample} bit`);
      }
    } else if (id === "data") {
      const count = Math.floor(Math.min(size, bytes.length - body) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + 2 * i, true) / 32768;
      return { sampleRateHz, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error("WAV file has no data chunk");
}
