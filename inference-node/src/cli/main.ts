/**
 * @module
 * `giggles detect <file-or-url>`: runs the detection engine on one recording and prints its laughs.
 * Entry point: `bin/giggles.mjs` (`npx giggles ...`). Returns the exit code instead of exiting, so it
 * can be tested in-process.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AudioDecodeError } from "../audio/audio-decode-error.ts";
import { createEngine } from "../engine/engine.ts";
import type { Engine } from "../engine/types.ts";
import { withOnsetThreshold } from "../events/event-detector.ts";
import { EXIT_CODES, type ExitCode } from "./exit-codes.ts";
import { formatEventTable } from "./format-events.ts";
import { countBytes, InputUnreadableError, openInput } from "./open-input.ts";
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

  try {
    const input = await openInput(args.input);
    const stderr = io.stderr as NodeJS.WriteStream;
    const progress = stderr.isTTY && !args.json ? createProgressBar(stderr, input.sizeBytes) : undefined;
    let bytesRead = 0;
    if (args.clipsDir !== undefined) await mkdir(args.clipsDir, { recursive: true });
    let clipIndex = 0;
    const result = await engine.detect(
      countBytes(input.bytes, (total) => {
        bytesRead = total;
      }),
      {
        keepScores: args.scores,
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
    if (args.json) {
      const output: Record<string, unknown> = { durationMs: result.durationMs, events: result.events };
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
    if (error instanceof InputUnreadableError) {
      io.stderr.write(`giggles: ${error.message}\n`);
      return EXIT_CODES.INPUT_UNREADABLE;
    }
    if (error instanceof AudioDecodeError) {
      io.stderr.write(`giggles: cannot decode ${args.input}: ${error.message}\n`);
      return EXIT_CODES.UNDECODABLE_AUDIO;
    }
    io.stderr.write(`giggles: internal error: ${(error as Error).stack ?? error}\n`);
    return EXIT_CODES.INTERNAL;
  } finally {
    await engine.dispose();
  }
}
