import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_AUDIO_DIR } from "../../../test/harness/shared-assets.ts";
import { EXIT_CODES } from "./exit-codes.ts";
import { main } from "./main.ts";

async function runCli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => {
    out += d;
  });
  stderr.on("data", (d) => {
    err += d;
  });
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "giggles-cli-"));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("giggles detect", () => {
  it("prints JSON events and writes one clip per event", async () => {
    const clipsDir = join(tempDir(), "clips");
    const { code, out } = await runCli([
      "detect",
      join(DEV_AUDIO_DIR, "laugh_040.wav"),
      "--json",
      "--clips",
      clipsDir,
    ]);
    expect(code).toBe(EXIT_CODES.OK);
    const parsed = JSON.parse(out) as {
      durationMs: number;
      events: { startMs: number; className: string }[];
    };
    expect(parsed.durationMs).toBeGreaterThan(5000);
    expect(parsed.events.length).toBeGreaterThan(0);
    expect(Object.keys(parsed.events[0]).sort()).toEqual(
      ["classId", "className", "endMs", "meanProbability", "peakProbability", "startMs"].sort(),
    );
    expect(readdirSync(clipsDir)).toHaveLength(parsed.events.length);
  });

  it("adds every patch's 521 scores with --scores", async () => {
    const { code, out } = await runCli([
      "detect",
      join(DEV_AUDIO_DIR, "laugh_012.wav"),
      "--json",
      "--scores",
    ]);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { scores: number[][] };
    expect(parsed.scores.length).toBeGreaterThan(0);
    expect(parsed.scores.every((row) => row.length === 521)).toBe(true);
  });

  it("maps failures to documented exit codes", async () => {
    expect((await runCli(["detect", "/no/such/file.wav"])).code).toBe(EXIT_CODES.INPUT_UNREADABLE);
    const junk = join(tempDir(), "junk.bin");
    writeFileSync(junk, "this is not audio at all, just text that goes on for a while");
    const undecodable = await runCli(["detect", junk]);
    expect(undecodable.code).toBe(EXIT_CODES.UNDECODABLE_AUDIO);
    expect(undecodable.err).toMatch(/Unsupported audio/);
    expect((await runCli(["detect"])).code).toBe(EXIT_CODES.USAGE);
    expect((await runCli(["--help"])).out).toMatch(/Exit codes/);
  });
});
