/**
 * @module
 * Encodes mono float audio as a 16-bit PCM WAV file (the clip format stored next to each event).
 */

import { SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";

/** Size of the canonical RIFF/WAVE header: RIFF chunk header, 16-byte `fmt ` chunk, `data` chunk header. */
export const WAV_HEADER_BYTES = 44;

/**
 * 16-bit PCM mono WAV bytes for `samples` in [-1, 1]. Values outside are clamped (a clipped laugh beats a
 * wrapped-around one) and NaN becomes 0; scaling is symmetric (× 32767) so that +x and −x stay mirror images.
 *
 * @example const bytes = encodeWav16(new Float32Array(16_000)); // one second of silence, 32 044 bytes
 */
export function encodeWav16(samples: Float32Array, sampleRateHz: number = SAMPLE_RATE_HZ): Uint8Array {
  if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0) {
    throw new RangeError(`encodeWav16: sampleRateHz must be a positive integer, got ${sampleRateHz}`);
  }
  const dataBytes = samples.length * 2;
  if (WAV_HEADER_BYTES - 8 + dataBytes > 0xffff_ffff) {
    throw new RangeError(`encodeWav16: ${samples.length} samples do not fit in a WAV file (4 GiB limit)`);
  }
  const bytes = new Uint8Array(WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, WAV_HEADER_BYTES - 8 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size for PCM
  view.setUint16(20, 1, true); // format: PCM
  view.setUint16(22, 1, true); // channels
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    const clamped = Number.isNaN(x) ? 0 : Math.max(-1, Math.min(1, x));
    // Round half away from zero: Math.round alone rounds −0.5 up, which would break the symmetry.
    const scaled = clamped * 32767;
    view.setInt16(WAV_HEADER_BYTES + 2 * i, Math.sign(scaled) * Math.round(Math.abs(scaled)), true);
  }
  return bytes;
}
