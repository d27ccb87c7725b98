/**
 * @module
 * The one error type the audio layer throws. Codes are stable so the engine and HTTP layer can map them
 * (e.g. to a 415 or 422) without parsing messages.
 */

/** Stable codes carried by {@link AudioDecodeError}. */
export const AUDIO_DECODE_ERROR_CODES = [
  "UNSUPPORTED_FORMAT",
  "TRUNCATED_AUDIO",
  "CORRUPT_AUDIO",
  "EMPTY_AUDIO",
] as const;

/** One of {@link AUDIO_DECODE_ERROR_CODES}. */
export type AudioDecodeErrorCode = (typeof AUDIO_DECODE_ERROR_CODES)[number];

/** Human-readable list used in UNSUPPORTED_FORMAT messages so users know what to convert to. */
export const SUPPORTED_FORMATS_DESCRIPTION =
  "WAV (RIFF/RF64: PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE), Ogg Opus, Ogg Vorbis, FLAC, MP3";

/**
 * Thrown (asynchronously, from the decode generator) when input audio cannot be decoded.
 *
 * @example
 * ```ts
 * try { for await (const chunk of decodeTo16kMono(bytes)) use(chunk); }
 * catch (err) { if (err instanceof AudioDecodeError && err.code === "UNSUPPORTED_FORMAT") reply(415); }
 * ```
 */
export class AudioDecodeError extends Error {
  override name = "AudioDecodeError";
  readonly code: AudioDecodeErrorCode;
  /** Offset in the input stream where the problem was detected, when known. */
  readonly byteOffset?: number;

  constructor(
    code: AudioDecodeErrorCode,
    message: string,
    options?: { byteOffset?: number; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.byteOffset !== undefined) this.byteOffset = options.byteOffset;
  }
}

/** A recoverable problem (a few bad frames, a truncated tail) reported through `onWarning`. */
export interface AudioDecodeWarning {
  message: string;
  byteOffset?: number;
}
