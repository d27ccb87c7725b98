/**
 * @module
 * The surface every compressed-audio decoder in codec-decoder.ts offers: the `wasm-audio-decoders` packages
 * (Ogg Vorbis, FLAC, MP3) and our own Ogg Opus decoder (opus-stream-decoder.ts).
 */

/** One frame the codec could not decode (it contributes no samples). */
export interface DecodeErrorInfo {
  message: string;
  frameNumber: number;
}

/** What one decode call produced: one array per channel, all `samplesDecoded` long. */
export interface DecodedAudio {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: DecodeErrorInfo[];
}

/** A decoder fed block by block; `flush` drains what it holds back and starts a new logical stream. */
export interface StreamingDecoder {
  ready: Promise<void>;
  decode(bytes: Uint8Array): DecodedAudio | Promise<DecodedAudio>;
  flush?: () => Promise<DecodedAudio>;
  free(): void;
}
