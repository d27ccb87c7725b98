/**
 * Fault suite, CLI side (issue 10): `giggles detect` in a child process, so an abort is an abort.
 */
import { describe, expect, it } from "vitest";
import { concatBytes, devAudio, encodeMp3, joinedDevAudio } from "./fault-inputs.ts";
import { DOCUMENTED_EXIT_CODES, runCli, tempFile } from "./run-cli.ts";

describe("item 2: engine errors end as documented exit codes, never an abort", () => {
  it("MP3 + WAV + MP3 joined: a decode error with batches in flight exits cleanly", async () => {
    const mp3 = await encodeMp3(
      await joinedDevAudio([
        "laugh_040.wav",
        "laugh_041.wav",
        "speech_009.wav",
        "laugh_035.wav",
        "music_010.wav",
        "conv_001.wav",
      ]),
    );
    const path = tempFile(concatBytes([mp3, devAudio("laugh_040.wav"), mp3]), "joined.mp3");
    const run = await runCli(["detect", path, "--json"]);
    expect(run.signal, run.stderr.slice(-500)).toBeNull();
    expect(run.stderr).not.toMatch(/terminate called/);
    expect(DOCUMENTED_EXIT_CODES).toContain(run.code);
  });
});

describe("item 15: --clips naming an existing file", () => {
  it("is a usage error with one line, not a stack trace", async () => {
    const file = tempFile(new Uint8Array(1), "not-a-dir");
    const run = await runCli(["detect", tempFile(devAudio("laugh_040.wav"), "a.wav"), "--clips", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--clips .*not a directory/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("item 6: truncated audio on the command line", () => {
  it("exit 0 with what arrived, a warning on stderr, and truncated + byte offset in --json", async () => {
    const path = tempFile(devAudio("laugh_040.wav").subarray(0, 90_000), "half.wav");
    const run = await runCli(["detect", path, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: .* is truncated/);
    expect(JSON.parse(run.stdout)).toMatchObject({ truncated: true, truncatedAtByte: 90_000 });
  });
});

describe("issue 19 item 7: corrupt and truncated told apart on the command line", () => {
  it("a damaged Ogg page: exit 0, a corrupt warning (not truncated), corrupt + byte offset in --json", async () => {
    const ogg = devAudio("speech_004.ogg").slice();
    ogg[32_969 + 5] |= 0x04; // the 10th page's end-of-stream bit, its CRC left as it was
    const run = await runCli(["detect", tempFile(ogg, "damaged.ogg"), "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /warning: .* is corrupt: 1 damaged part\(s\) were skipped \(the first near byte 32969\)/,
    );
    expect(run.stderr).not.toMatch(/truncated/);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({ corrupt: true, corruptAtByte: 32_969, damagedFrames: 1 });
    expect(output.truncated).toBeUndefined();
    expect(output.durationMs).toBeGreaterThan(13_000);
  });

  it("a FLAC that cannot be decoded to its end says CORRUPT_AUDIO (exit 4)", async () => {
    const flac = devAudio("speech_002.flac").slice();
    flac[700_000] ^= 0x55;
    const run = await runCli(["detect", tempFile(flac, "damaged.flac")]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/cannot decode .*damaged\.flac \(CORRUPT_AUDIO\): /);
  });
});
