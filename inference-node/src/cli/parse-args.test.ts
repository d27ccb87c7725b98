import { describe, expect, it } from "vitest";
import { formatEventTable, formatOffset } from "./format-events.ts";
import { parseCliArgs } from "./parse-args.ts";

describe("parseCliArgs", () => {
  it("parses detect with every option", () => {
    expect(
      parseCliArgs([
        "detect",
        "a.ogg",
        "--json",
        "--scores",
        "--clips",
        "out",
        "--threshold",
        "0.2",
        "--threads",
        "2",
        "--detector",
        "rule",
      ]),
    ).toEqual({
      command: "detect",
      input: "a.ogg",
      json: true,
      scores: true,
      clipsDir: "out",
      threshold: 0.2,
      detector: "rule",
      threads: 2,
    });
  });

  it("uses the trained head unless --detector rule is given", () => {
    expect(parseCliArgs(["detect", "a.wav"])).toMatchObject({ detector: "head", threshold: undefined });
  });

  it("shows help without arguments or with --help", () => {
    expect(parseCliArgs([])).toEqual({ command: "help" });
    expect(parseCliArgs(["detect", "x", "-h"])).toEqual({ command: "help" });
  });

  it.each([
    [["detect"], /needs a file/],
    [["listen", "x"], /unknown command "listen"/],
    [["detect", "x", "--threshold", "0"], /--threshold must be a number in \(0, 1\]/],
    [["detect", "x", "--threshold", "abc"], /--threshold/],
    [["detect", "x", "--scores"], /--scores needs --json/],
    [["detect", "x", "--threads", "1.5"], /--threads/],
    [["detect", "x", "--bogus"], /bogus/],
    [["detect", "x", "--detector", "max"], /--detector must be one of head, rule, got "max"/],
    [["detect", "x", "y"], /unexpected arguments: y/],
  ])("rejects %j", (argv, message) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.command).toBe("error");
    expect(parsed.command === "error" && parsed.message).toMatch(message);
  });
});

describe("formatting", () => {
  it("formats offsets with tenths, and hours when needed", () => {
    expect(formatOffset(0)).toBe("00:00.0");
    expect(formatOffset(61_250)).toBe("01:01.3");
    expect(formatOffset(3_600_000 + 5_000)).toBe("1:00:05.0");
  });

  it("prints one row per event and a total", () => {
    const table = formatEventTable(
      [
        {
          startMs: 480,
          endMs: 2400,
          peakProbability: 0.5,
          meanProbability: 0.25,
          classId: 13,
          className: "Laughter",
        },
      ],
      10_000,
    );
    expect(table).toContain("00:00.5  00:02.4  1.9 s   0.500  0.250  Laughter");
    expect(table).toContain("1 laugh, 1.9 s in 00:10.0 of audio.");
    expect(formatEventTable([], 5000)).toBe("No laughter found in 00:05.0 of audio.\n");
  });
});
