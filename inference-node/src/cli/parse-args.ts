/**
 * @module
 * Command-line parsing for `giggles detect`. Pure: returns a parsed command or a usage error message.
 */
import { parseArgs } from "node:util";
import {
  DEFAULT_EVENT_OPTIONS,
  DETECTOR_KINDS,
  type DetectorKind,
  RULE_EVENT_OPTIONS,
} from "../events/event-detector.ts";

export const HELP_TEXT = `giggles — find the laughs in an audio recording

Usage:
  giggles detect <file-or-url> [--json] [--scores] [--clips DIR] [--threshold X] [--detector head|rule]
  giggles --help

Options:
  --json           print {"durationMs", "events": [...]} as JSON instead of a table
  --scores         with --json: add "scores", every patch's 521 YAMNet scores (patch i starts at i × 480 ms)
  --clips DIR      write one 16 kHz mono WAV per event into DIR (created if missing)
  --threshold X    onset threshold in (0, 1] on the detector's per-patch laughter probability
                   (head default ${DEFAULT_EVENT_OPTIONS.onsetThreshold}, rule default ${RULE_EVENT_OPTIONS.onsetThreshold}); the offset (hysteresis) threshold keeps
                   the detector's ratio (X × ${Number((DEFAULT_EVENT_OPTIONS.offsetThreshold / DEFAULT_EVENT_OPTIONS.onsetThreshold).toPrecision(3))} for head, X × ${RULE_EVENT_OPTIONS.offsetThreshold / RULE_EVENT_OPTIONS.onsetThreshold} for rule).
                   The head's probability is calibrated: an event peaking at p was a real laugh
                   about p of the time on held-out talk days (models/head/METRICS.md); higher X
                   means fewer, surer laughs
  --detector K     head (default): the trained laughter head's probability (models/head/);
                   rule: the older max of YAMNet's laughter classes 13–18, for comparison
  --threads N      ONNX Runtime threads (default 1)
  -h, --help       show this help

Input: WAV (PCM 8/16/24/32-bit, float), Ogg Opus, Ogg Vorbis, FLAC or MP3, any rate and channel count;
a path or an http(s) URL. Memory stays flat however long the recording is.

Exit codes:
  0  done (even when no laughter was found)
  1  internal error
  2  bad command line
  3  input unreadable (missing file, HTTP error, network)
  4  undecodable audio (unsupported, truncated, corrupt or empty)
  5  model unavailable (run \`npm run build:model\`)
`;

export interface DetectCommand {
  command: "detect";
  input: string;
  json: boolean;
  scores: boolean;
  clipsDir?: string;
  threshold?: number;
  detector: DetectorKind;
  threads: number;
}

export type ParsedArgs = DetectCommand | { command: "help" } | { command: "error"; message: string };

/**
 * @example parseCliArgs(["detect", "a.wav", "--json"]) // { command: "detect", input: "a.wav", json: true, ... }
 */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean", default: false },
        scores: { type: "boolean", default: false },
        clips: { type: "string" },
        threshold: { type: "string" },
        detector: { type: "string" },
        threads: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return { command: "error", message: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: "help" };
  const [command, input, ...extra] = positionals;
  if (command !== "detect")
    return { command: "error", message: `unknown command "${command}"; try \`giggles detect <file>\`` };
  if (input === undefined) return { command: "error", message: "detect needs a file path or URL" };
  if (extra.length > 0) return { command: "error", message: `unexpected arguments: ${extra.join(" ")}` };
  if (values.scores && !values.json) return { command: "error", message: "--scores needs --json" };
  let threshold: number | undefined;
  if (values.threshold !== undefined) {
    threshold = Number(values.threshold);
    if (!(threshold > 0 && threshold <= 1)) {
      return {
        command: "error",
        message: `--threshold must be a number in (0, 1], got "${values.threshold}"`,
      };
    }
  }
  const detector = DETECTOR_KINDS.find((kind) => kind === (values.detector ?? "head"));
  if (detector === undefined) {
    return {
      command: "error",
      message: `--detector must be one of ${DETECTOR_KINDS.join(", ")}, got "${values.detector}"`,
    };
  }
  let threads = 1;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      return {
        command: "error",
        message: `--threads must be an integer from 1 to 64, got "${values.threads}"`,
      };
    }
  }
  return {
    command: "detect",
    input,
    json: values.json === true,
    scores: values.scores === true,
    clipsDir: typeof values.clips === "string" ? values.clips : undefined,
    threshold,
    detector,
    threads,
  };
}
