/**
 * @module
 * A stand-in for the ONNX engine in unit tests: it consumes the byte stream like the real one (so
 * streaming, aborts and back-pressure are exercised), treats it as 16 kHz mono 16-bit PCM for the
 * duration, and emits the events it was given, each with a tiny clip.
 */
import { AudioDecodeError, type AudioDecodeWarning } from "../../audio/audio-decode-error.ts";
import type { DetectionResult, DetectOptions, Engine, LaughterEvent } from "../../engine/types.ts";

export interface FakeEngineOptions {
  events?: LaughterEvent[];
  /** Delay per input chunk, to keep a job "running" for a while. */
  chunkDelayMs?: number;
  modelVersion?: string;
  /** Decoder warnings passed to `onWarning` once the input is read (damage, truncation). */
  warnings?: AudioDecodeWarning[];
}

/** Input starting with these bytes makes the fake engine throw an AudioDecodeError. */
export const UNDECODABLE_MAGIC = "NOTAUDIO";

export function createFakeEngine(options: FakeEngineOptions = {}): Engine & { detectCalls: number } {
  const engine = {
    modelVersion: options.modelVersion ?? "fake-yamnet@0000",
    detectCalls: 0,
    async detect(
      input: AsyncIterable<Uint8Array>,
      detectOptions: DetectOptions = {},
    ): Promise<DetectionResult> {
      engine.detectCalls++;
      const { signal, onClip, onProgress } = detectOptions;
      let bytes = 0;
      let first = true;
      for await (const chunk of input) {
        signal?.throwIfAborted();
        if (
          first &&
          new TextDecoder().decode(chunk.subarray(0, UNDECODABLE_MAGIC.length)) === UNDECODABLE_MAGIC
        ) {
          throw new AudioDecodeError("UNSUPPORTED_FORMAT", "not a recognised audio container");
        }
        first = false;
        bytes += chunk.length;
        onProgress?.(bytes / 32);
        if (options.chunkDelayMs) {
          await new Promise((resolve) => setTimeout(resolve, options.chunkDelayMs));
          signal?.throwIfAborted();
        }
      }
      for (const warning of options.warnings ?? []) detectOptions.onWarning?.(warning);
      const events = options.events ?? [];
      for (const event of events) {
        await onClip?.({
          event,
          clipStartMs: event.startMs,
          clipEndMs: event.endMs,
          wav: new Uint8Array(44),
        });
      }
      return { durationMs: bytes / 32, patchCount: Math.floor(bytes / 32 / 480), events };
    },
    async dispose() {},
  };
  return engine;
}

/** A laugh event at `startMs` lasting a second. */
export function fakeEvent(startMs: number): LaughterEvent {
  return {
    startMs,
    endMs: startMs + 1000,
    peakProbability: 0.9,
    meanProbability: 0.7,
    classId: 13,
    className: "Laughter",
  };
}
