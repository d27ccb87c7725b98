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
 * Input sample rates the engine accepts. Below 8 kHz there is no speech band to hear laughter in, and the
 * resampler's work and filter table grow with the ratio (1 Hz meant 16 000× the audio, ~1 GHz a 571 MB
 * table: issue 10 item 10); above 384 kHz no recorder writes.
 */
export const MIN_INPUT_SAMPLE_RATE_HZ = 8_000;
export const MAX_INPUT_SAMPLE_RATE_HZ = 384_000;

/** Throws UNSUPPORTED_FORMAT unless `sampleRateHz` is an integer in the supported range. */
export function assertSupportedSampleRate(sampleRateHz: number, label: string, byteOffset?: number): void {
  if (
    Number.isInteger(sampleRateHz) &&
    sampleRateHz >= MIN_INPUT_SAMPLE_RATE_HZ &&
    sampleRateHz <= MAX_INPUT_SAMPLE_RATE_HZ
  ) {
    return;
  }
  throw new AudioDecodeError(
    "UNSUPPORTED_FORMAT",
    `${label} sample rate ${sampleRateHz} Hz is not supported; supported: ${MIN_INPUT_SAMPLE_RATE_HZ}–${MAX_INPUT_SAMPLE_RATE_HZ} Hz`,
    byteOffset === undefined ? undefined : { byteOffset },
  );
}

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
  /**
   * The stream ended before the audio its header announced (a cut upload, a recorder killed mid-write):
   * what was there was decoded, the rest is missing. Callers must say so (issue 10 item 6).
   */
  truncated?: boolean;
}
