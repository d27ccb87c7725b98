/**
 * Fault suite, issue 19 item 8: a multi-MB Ogg Opus over HTTP from a server that closes the connection
 * after the body, through the CLI's input, the node's audio fetch and the CLI itself. The reads run in a
 * child process (`url-reads.ts`), because the undici 7 crash was an uncatchable assertion and then a native
 * abort: in this process it would take the test runner down instead of failing one test. A short loop here;
 * the 50-run loop is `node bin/run-ts.mjs test/faults/url-reads.ts` (README, "Fault suite").
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

function runUrlReads(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ["bin/run-ts.mjs", "test/faults/url-reads.ts", ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d;
    });
    child.on("close", (code) => resolveRun({ code, output }));
  });
}

describe("item 8: URL reads of a multi-MB Ogg Opus that ends with a FIN", () => {
  it("3 reads through openInput and streamAudio, 2 through giggles detect: all whole, no crash", async () => {
    const run = await runUrlReads(["--runs", "3", "--cli-runs", "2"]);
    expect(run.output).not.toMatch(/AssertionError|terminate called/);
    expect(run.code, run.output.slice(-1500)).toBe(0);
    expect(run.output).toMatch(/failed or short reads: +0/);
  }, 120_000);
});
