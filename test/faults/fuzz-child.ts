/**
 * @module
 * Child process of the decoder fuzz: one engine, the cases of a directory from a start index on, one JSON
 * line per event on stdout. Run by decoder-fuzz.ts, which restarts it after the case that killed it.
 *
 * Usage: node bin/run-ts.mjs test/faults/fuzz-child.ts <cases-dir> <start-index>
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exitCodeForError } from "../../inference-node/src/cli/exit-code-for-error.ts";
import { EXIT_CODES } from "../../inference-node/src/cli/exit-codes.ts";
import { createEngine } from "../../inference-node/src/engine/engine.ts";

/** A case still running after this is a hang. */
export const CASE_TIMEOUT_MS = 20_000;

/** Peak resident set size of this process so far (the kernel's high-water mark), bytes. */
function peakRssBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return match === null ? process.memoryUsage.rss() : Number(match[1]) * 1024;
}

const [casesDir, startText] = process.argv.slice(2);
if (casesDir === undefined || startText === undefined) {
  process.stderr.write("usage: fuzz-child.ts <cases-dir> <start-index>\n");
  process.exit(2);
}
const count = Number(readFileSync(join(casesDir, "count"), "utf8"));
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const engine = await createEngine();
for (let index = Number(startText); index < count; index++) {
  say({ event: "start", index });
  const bytes = new Uint8Array(readFileSync(join(casesDir, `${index}.bin`)));
  const startedMs = performance.now();
  const signal = AbortSignal.timeout(CASE_TIMEOUT_MS);
  let warnings = 0;
  /** Warnings that are damage, not truncation (issue 19 item 7). */
  let corruptWarnings = 0;
  let outcome: Record<string, unknown>;
  try {
    const result = await engine.detect(
      (async function* () {
        for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
      })(),
      {
        signal,
        onWarning: (warning) => {
          warnings++;
          if (!warning.truncated) corruptWarnings++;
        },
      },
    );
    outcome = {
      exitCode: EXIT_CODES.OK,
      durationMs: result.durationMs,
      truncated: result.truncated !== undefined,
    };
  } catch (error) {
    outcome = {
      exitCode: exitCodeForError(error),
      timedOut: signal.aborted,
      error: String(error instanceof Error ? error.message : error).slice(0, 200),
    };
  }
  say({
    event: "done",
    index,
    ...outcome,
    warnings,
    corruptWarnings,
    wallMs: performance.now() - startedMs,
    peakRssBytes: peakRssBytes(),
  });
}
await engine.dispose();
say({ event: "finished", peakRssBytes: peakRssBytes() });
