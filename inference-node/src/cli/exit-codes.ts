/**
 * @module
 * `giggles` exit codes (documented in the README and in `--help`).
 */
export const EXIT_CODES = Object.freeze({
  /** Detection ran; events (possibly none) were printed. */
  OK: 0,
  /** An unexpected internal error. */
  INTERNAL: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The input could not be read: missing file, HTTP error, network failure. */
  INPUT_UNREADABLE: 3,
  /** The input was read but is not audio we can decode (unsupported, truncated, corrupt, empty). */
  UNDECODABLE_AUDIO: 4,
  /** The YAMNet model is missing or invalid: run `npm run build:model`. */
  MODEL_UNAVAILABLE: 5,
} as const);

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
