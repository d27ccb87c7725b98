/**
 * @module
 * Runs `giggles detect` in a child process, as a user would, so that aborts and hangs are seen for what
 * they are (an in-process run cannot survive a SIGABRT to report it).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const GIGGLES = resolve(fileURLToPath(new URL("../../bin/giggles.mjs", import.meta.url)));

export interface CliRun {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Writes `bytes` to a temporary file and returns its path. */
export function tempFile(bytes: Uint8Array, name = "input.bin"): string {
  const path = join(mkdtempSync(join(tmpdir(), "giggles-fault-")), name);
  writeFileSync(path, bytes);
  return path;
}

/** Runs `giggles <args>`; kills it after `timeoutMs`. */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [GIGGLES, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Exit codes the README documents for `giggles detect`. */
export const DOCUMENTED_EXIT_CODES: readonly number[] = [0, 1, 2, 3, 4, 5];
