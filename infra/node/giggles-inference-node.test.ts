import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serviceEnvironment, splitWords } from "../../test/harness/systemd-unit.ts";

const UNIT_PATH = "infra/node/giggles-inference-node.service";
const unitText = readFileSync(UNIT_PATH, "utf8");

/**
 * Runs a Node process with `NODE_OPTIONS` as given and reports what V8 made of it: the heap limit (old space
 * plus young generation) and the largest new space seen while churning short-lived objects.
 */
function v8Limits(nodeOptions: string | undefined): { heapLimitMb: number; maxNewSpaceMb: number } {
  const probe = `
    const v8 = require("node:v8");
    let maxNewSpace = 0;
    let keep = [];
    for (let i = 0; i < 200000; i++) {
      keep.push({ i, s: "x" + i });
      if (keep.length > 50000) keep = [];
      if (i % 1000 === 0) {
        const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
        maxNewSpace = Math.max(maxNewSpace, space.space_size);
      }
    }
    console.log(JSON.stringify({
      heapLimitMb: v8.getHeapStatistics().heap_size_limit / 2 ** 20,
      maxNewSpaceMb: maxNewSpace / 2 ** 20,
    }));`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  const result = spawnSync(process.execPath, ["-e", probe], { env, encoding: "utf8" });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout);
}

describe("systemd's Environment= word splitting", () => {
  it("keeps a quoted assignment whole and splits unquoted ones at whitespace", () => {
    expect(splitWords('"A=x y" B=z')).toEqual(["A=x y", "B=z"]);
    expect(splitWords('A="x y" B=z')).toEqual(["A=x y", "B=z"]);
    expect(splitWords("A=x y")).toEqual(["A=x", "y"]);
    expect(splitWords(String.raw`A=x\sy 'B=\"q\"'`)).toEqual(["A=x y", 'B="q"']);
    expect(() => splitWords('"A=x')).toThrow(/unterminated/);
  });

  it("drops what is not NAME=value, as systemd does ('Invalid environment assignment, ignoring')", () => {
    const unquoted = "[Service]\nEnvironment=NODE_OPTIONS=--max-old-space-size=512 --max-semi-space-size=1\n";
    expect(serviceEnvironment(unquoted)).toEqual({
      env: { NODE_OPTIONS: "--max-old-space-size=512" },
      ignored: [{ line: 2, word: "--max-semi-space-size=1" }],
    });
    const reset =
      "[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2 \\\n  C=3\n[Install]\nEnvironment=D=4\n";
    expect(serviceEnvironment(reset)).toEqual({ env: { B: "2", C: "3" }, ignored: [] });
  });
});

describe(UNIT_PATH, () => {
  const { env, ignored } = serviceEnvironment(unitText);

  it("gives the node every Environment= word as an assignment", () => {
    expect(ignored).toEqual([]);
    expect(env.NODE_OPTIONS?.split(" ")).toEqual(["--max-old-space-size=512", "--max-semi-space-size=1"]);
    expect(env.MALLOC_ARENA_MAX).toBe("2");
  });

  it("runs Node with both V8 memory flags in effect", () => {
    // Without the flags: a heap limit of gigabytes and a new space that grows to 32 MiB under churn.
    const defaults = v8Limits(undefined);
    expect(defaults.heapLimitMb).toBeGreaterThan(1024);
    expect(defaults.maxNewSpaceMb).toBeGreaterThan(4);
    const limits = v8Limits(env.NODE_OPTIONS);
    // --max-old-space-size=512: the limit is 512 MiB plus the young generation (3 semi-spaces).
    expect(limits.heapLimitMb).toBeGreaterThanOrEqual(512);
    expect(limits.heapLimitMb).toBeLessThan(530);
    // --max-semi-space-size=1: the new space stays at its 1 MiB semi-spaces (≤ 2 MiB as V8 reports it).
    expect(limits.maxNewSpaceMb).toBeLessThanOrEqual(2);
  });

  const systemdAnalyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  const scratch = mkdtempSync(join(tmpdir(), "giggles-unit-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  // Where systemd itself is installed, its own parser must agree (it exits 0 but prints warnings).
  it.skipIf(systemdAnalyze.status !== 0)("passes `systemd-analyze verify` without warnings", () => {
    const copy = join(scratch, "giggles-inference-node.service");
    copyFileSync(UNIT_PATH, copy);
    const result = spawnSync("systemd-analyze", ["verify", copy], { encoding: "utf8" });
    expect(result.stderr.split("\n").filter((line) => line.includes(copy))).toEqual([]);
    expect(result.status).toBe(0);
  });
});
