/**
 * @module
 * The detection engine's public contract: bytes in, laughter events and clips out. The HTTP service and
 * the CLI depend only on this file; `engine.ts` implements it on top of the decoders, the log-mel front
 * end, the ONNX session (in a worker thread) and the event detector.
 */

/** Container/codec of an input file. `auto` sniffs the first bytes. */
export type AudioFormat = "auto" | "wav" | "ogg-opus" | "ogg-vorbis" | "flac" | "mp3";

/** One laugh: a run of patches whose laughter probability passed the detector's hysteresis. */
export interface LaughterEvent {
  /** Start of the laugh, ms from the start of the recording. */
  startMs: number;
  /** End of the laugh, ms from the start of the recording. */
  endMs: number;
  /** Highest per-patch laughter probability in the event (the head's; with the rule detector, max of classes 13–18). */
  peakProbability: number;
  /** Mean per-patch laughter probability over the event's patches. */
  meanProbability: number;
  /** AudioSet class id (13–18) that dominated the event. */
  classId: number;
  className: string;
}

/** A clip cut around one event: 16 kHz mono 16-bit WAV bytes. */
export interface LaughterClip {
  event: LaughterEvent;
  /** Clip bounds, ms from the start of the recording (event plus padding, clamped to the audio). */
  clipStartMs: number;
  clipEndMs: number;
  wav: Uint8Array;
}

export interface DetectOptions {
  /** Defaults to `auto`. */
  format?: AudioFormat;
  /** Called once per event, in order, as soon as its clip is complete; awaited (back-pressure). */
  onClip?: (clip: LaughterClip) => Promise<void> | void;
  /** Called after each batch of patches with the audio processed so far. */
  onProgress?: (processedMs: number) => void;
  /** Keep every patch's 521 scores in the result (CLI `--scores`); off by default to keep memory flat. */
  keepScores?: boolean;
  /** Aborts decoding and inference; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Recoverable decoder problems (a skipped damaged frame, a truncated tail), as they happen. */
  onWarning?: (warning: { message: string; byteOffset?: number; truncated?: boolean }) => void;
}

/** The input ended before the audio its header announced; what was there was analysed. */
export interface TruncationNotice {
  message: string;
  /** Where the input ended, when known. */
  byteOffset?: number;
}

export interface DetectionResult {
  /** Duration of the decoded audio. */
  durationMs: number;
  patchCount: number;
  events: LaughterEvent[];
  /** Present when `keepScores` was set: patch i starts at i × 480 ms. */
  scores?: Float32Array[];
  /** Present when the input was truncated: `durationMs` covers only the part that arrived. */
  truncated?: TruncationNotice;
}

export interface Engine {
  /** Model identity recorded with every event (e.g. `yamnet-onnx@<sha256 prefix>`). */
  readonly modelVersion: string;
  detect(input: AsyncIterable<Uint8Array>, options?: DetectOptions): Promise<DetectionResult>;
  /** Releases the ONNX session and worker threads. */
  dispose(): Promise<void>;
}
