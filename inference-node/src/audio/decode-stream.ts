/**
 * @module
 * The engine's audio entry point: any supported byte stream in, 16 kHz mono float32 chunks out, with memory
 * bounded by a few blocks regardless of recording length.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { AudioFormat } from "../engine/types.ts";
import {
  AudioDecodeError,
  type AudioDecodeWarning,
  assertSupportedSampleRate,
  SUPPORTED_FORMATS_DESCRIPTION,
} from "./audio-decode-error.ts";
import { ByteReader } from "./byte-reader.ts";
import { ChunkAssembler } from "./chunk-assembler.ts";
import { decodeCodec } from "./codec-decoder.ts";
import type { MonoPcmChunk } from "./mono-pcm.ts";
import { Resampler } from "./resampler.ts";
import { describeUnsupported, SNIFF_BYTE_COUNT, sniffFormat } from "./sniff-format.ts";
import { decodeWav } from "./wav-decoder.ts";

export type { AudioFormat } from "../engine/types.ts";
export {
  AudioDecodeError,
  type AudioDecodeErrorCode,
  type AudioDecodeWarning,
} from "./audio-decode-error.ts";
export { sniffFormat } from "./sniff-format.ts";

/** YAMNet's input rate. */
export const OUTPUT_SAMPLE_RATE_HZ = 16_000;
/**
 * Input samples resampled per call. A decoder can return a lot from a few bytes (a FLAC frame of silence
 * is 65 535 samples in a handful of bytes); slicing bounds each synchronous step so an abort lands fast.
 */
const MAX_RESAMPLE_INPUT_SAMPLES = 1 << 15;
/**
 * With a signal, the longest stretch of resampling between event-loop turns: 384 kHz input costs about
 * 0.4 s of work per second of audio, and an abort must land within 100 ms (issue 10 item 10).
 */
const MAX_SYNC_SLICE_MS = 20;
/** Default output chunk: one second at 16 kHz. */
export const DEFAULT_CHUNK_SAMPLES = 16_000;

/** Options for {@link decodeTo16kMono}. */
export interface DecodeTo16kMonoOptions {
  /** Container/codec; `auto` (default) sniffs the first bytes. */
  format?: AudioFormat;
  /** Stops decoding; the generator throws `signal.reason`. */
  signal?: AbortSignal;
  /** Recoverable problems (a few bad frames, a truncated tail). Defaults to ignoring them. */
  onWarning?: (warning: AudioDecodeWarning) => void;
  /** Samples per yielded chunk (the last may be shorter). Defaults to {@link DEFAULT_CHUNK_SAMPLES}. */
  chunkSamples?: number;
}

/**
 * Pulls bytes, yields 16 kHz mono Float32Array chunks in [-1, 1]; memory bounded regardless of input length.
 * Output sample i corresponds to time i / 16 000 s in the recording, and chunking of `input` never changes
 * the output. Failures are {@link AudioDecodeError}s with a stable `code`.
 *
 * @example
 * ```ts
 * import { createReadStream } from "node:fs";
 * let seconds = 0;
 * for await (const chunk of decodeTo16kMono(createReadStream("night.ogg"))) seconds += chunk.length / 16_000;
 * ```
 */
export async function* decodeTo16kMono(
  input: AsyncIterable<Uint8Array>,
  options: DecodeTo16kMonoOptions = {},
): AsyncGenerator<Float32Array> {
  const { signal, onWarning = () => {}, chunkSamples = DEFAULT_CHUNK_SAMPLES } = options;
  signal?.throwIfAborted();
  const reader = new ByteReader(input, signal);
  try {
    const head = await reader.peek(SNIFF_BYTE_COUNT);
    if (head.byteLength === 0)
      throw new AudioDecodeError("EMPTY_AUDIO", "Input is empty (0 bytes)", { byteOffset: 0 });
    const requested = options.format ?? "auto";
    const format = requested === "auto" ? sniffFormat(head) : requested;
    if (format === undefined || format === "auto") {
      throw new AudioDecodeError(
        "UNSUPPORTED_FORMAT",
        `Unsupported audio: input looks like ${describeUnsupported(head)}. Supported: ${SUPPORTED_FORMATS_DESCRIPTION}`,
        { byteOffset: 0 },
      );
    }
    const source: AsyncGenerator<MonoPcmChunk> =
      format === "wav" ? decodeWav(reader, onWarning) : decodeCodec(reader, format, onWarning);

    const assembler = new ChunkAssembler(chunkSamples);
    let lastTurnMs = performance.now();
    let resampler: Resampler | undefined;
    for await (const chunk of source) {
      signal?.throwIfAborted();
      if (resampler === undefined || resampler.inputRateHz !== chunk.sampleRateHz) {
        assertSupportedSampleRate(chunk.sampleRateHz, format);
        // A chained Ogg stream or odd MP3 can switch rate mid-file; finish the old filter and start anew.
        if (resampler) yield* assembler.push(resampler.flush());
        resampler = new Resampler(chunk.sampleRateHz, OUTPUT_SAMPLE_RATE_HZ);
      }
      for (let at = 0; at < chunk.samples.length; at += MAX_RESAMPLE_INPUT_SAMPLES) {
        if (signal !== undefined && performance.now() - lastTurnMs > MAX_SYNC_SLICE_MS) {
          // Let a timer (a deadline, a shutdown) fire: with buffered input nothing else yields.
          await nextTurn();
          lastTurnMs = performance.now();
        }
        signal?.throwIfAborted();
        yield* assembler.push(resampler.process(chunk.samples.subarray(at, at + MAX_RESAMPLE_INPUT_SAMPLES)));
      }
    }
    if (resampler) yield* assembler.push(resampler.flush());
    const last = assembler.end();
    if (last) yield last;
  } finally {
    await reader.close();
  }
}
