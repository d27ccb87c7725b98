/**
 * @module
 * Which documented exit code an error thrown by `giggles detect` ends in (shared with the decoder fuzz,
 * which must see exactly what a user would).
 */
import { AudioDecodeError } from "../audio/audio-decode-error.ts";
import { EXIT_CODES, type ExitCode } from "./exit-codes.ts";
import { InputUnreadableError } from "./open-input.ts";

/**
 * @example exitCodeForError(new AudioDecodeError("EMPTY_AUDIO", "Input is empty")) // 4
 */
export function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof InputUnreadableError) return EXIT_CODES.INPUT_UNREADABLE;
  if (error instanceof AudioDecodeError) return EXIT_CODES.UNDECODABLE_AUDIO;
  return EXIT_CODES.INTERNAL;
}
