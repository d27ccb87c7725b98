/**
 * @module
 * `giggles detect <file-or-url>`: runs the detection engine on one recording and prints its laughs.
 * Entry point: `bin/giggles.mjs` (`npx giggles ...`). Returns the exit code instead of exiting, so it
 * can be tested in-process.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AudioDecodeError } from "../audio/audio-decode-error.ts";
import { DamageTally } from "../audio/damage-tally.ts";
import { createEngine } from "../engine/engine.ts";
import type { Engine } from "../engine/types.ts";
import { withOnsetThreshold } from "../events/event-detector.ts";
import { exitCodeForError } from "./exit-code-for-error.ts";
import { EXIT_CODES, type ExitCode } from "./exit-codes.ts";
import { formatEventTable } from "./format-events.ts";
import { countBytes, openInput } from "./open-input.ts";
import { HELP_TEXT, parseCliArgs } from "./parse-args.ts";
import { createProgressBar } from "./progress-bar.ts";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = process): Promise<ExitCode> {
  const args = parseCliArgs(argv);
  if (args.command === "help") {
    io.stdout.write(HELP_TEXT);
    return EXIT_CODES.OK;
  }
  if (args.command === "error") {
    io.stderr.write(`giggles: ${args.message}\n\n${HELP_TEXT}`);
    return EXIT_CODES.USAGE;
  }

  let engine: Engine;
  try {
    engine = await createEngine({
      intraOpThreads: args.threads,
      events: withOnsetThreshold(args.detector, args.threshold),
    });
  } catch (error) {
    io.stderr.write(`giggles: the model could not be loaded: ${(error as Error).message}\n`);
    return EXIT_CODES.MODEL_UNAVAILABLE;
  }

  if (args.clipsDir !== undefined) {
    try {
      await mkdir(args.clipsDir, { recursive: true });
    } catch (error) {
      await engine.dispose();
      const reason = ["EEXIST", "ENOTDIR"].includes(String((error as NodeJS.ErrnoException).code))
        ? "it is not a directory"
        : String(error);
      io.stderr.write(`giggles: --clips ${args.clipsDir}: cannot write clips there: ${reason}\n`);
      return EXIT_CODES.USAGE;
    }
  }

  try {
    const input = await openInput(args.input);
    const stderr = io.stderr as NodeJS.WriteStream;
    const progress = stderr.isTTY && !args.json ? createProgressBar(stderr, input.sizeBytes) : undefined;
    let bytesRead = 0;
    let clipIndex = 0;
    const damage = new DamageTally();
    const result = await engine.detect(
      countBytes(input.bytes, (total) => {
        bytesRead = total;
      }),
      {
        keepScores: args.scores,
        onWarning: (warning) => damage.note(warning),
        onProgress: (audioMs) => progress?.update(bytesRead, audioMs),
        onClip: async (clip) => {
          if (args.clipsDir === undefined) return;
          clipIndex++;
          const name = `laugh-${String(clipIndex).padStart(3, "0")}-${Math.round(clip.event.startMs)}ms.wav`;
          await writeFile(join(args.clipsDir, name), clip.wav);
        },
      },
    );
    progress?.done();
    if (result.truncated !== undefined) {
      // Exit 0 (the part that arrived was analysed) but never silently: a cut upload must not pass for a
      // short recording (issue 10 item 6).
      io.stderr.write(`giggles: warning: ${args.input} is truncated: ${result.truncated.message}\n`);
    }
    const corrupt = damage.notice;
    if (corrupt !== undefined) {
      // Also exit 0, and also never silently: damaged frames or pages were skipped, the rest was analysed.
      // Not "truncated": the whole file is there, and reading it again brings the same damage (issue 19 item 7).
      const where = corrupt.byteOffset === undefined ? "" : ` (the first near byte ${corrupt.byteOffset})`;
      io.stderr.write(
        `giggles: warning: ${args.input} is corrupt: ${corrupt.damagedParts} damaged part(s) were skipped${where}: ${corrupt.message}\n`,
      );
    }
    if (args.json) {
      const output: Record<string, unknown> = { durationMs: result.durationMs, events: result.events };
      if (result.truncated !== undefined) {
        output.truncated = true;
        if (result.truncated.byteOffset !== undefined) output.truncatedAtByte = result.truncated.byteOffset;
      }
      if (corrupt !== undefined) {
        output.corrupt = true;
        if (corrupt.byteOffset !== undefined) output.corruptAtByte = corrupt.byteOffset;
        output.damagedFrames = corrupt.damagedParts;
      }
      if (args.scores && result.scores) {
        output.scores = result.scores.map((row) => Array.from(row, (v) => Number(v.toFixed(6))));
      }
      io.stdout.write(`${JSON.stringify(output)}\n`);
    } else {
      io.stdout.write(formatEventTable(result.events, result.durationMs));
      if (args.clipsDir !== undefined) io.stdout.write(`${clipIndex} clip(s) written to ${args.clipsDir}\n`);
    }
    return EXIT_CODES.OK;
  } catch (error) {
    const code = exitCodeForError(error);
    if (code === EXIT_CODES.INPUT_UNREADABLE) io.stderr.write(`giggles: ${(error as Error).message}\n`);
    else if (code === EXIT_CODES.UNDECODABLE_AUDIO) {
      // The code tells a corrupt file from a truncated, empty or unsupported one (issue 19 item 7).
      const kind = error instanceof AudioDecodeError ? ` (${error.code})` : "";
      io.stderr.write(`giggles: cannot decode ${args.input}${kind}: ${(error as Error).message}\n`);
    } else io.stderr.write(`giggles: internal error: ${(error as Error).stack ?? error}\n`);
    return code;
  } finally {
    await engine.dispose();
  }
}
