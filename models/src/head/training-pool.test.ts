import { describe, expect, it } from "vitest";
import { SHARED_DIR } from "../../../test/harness/shared-assets.ts";
import { devGroup, groupedFolds, loadDaylife, loadTrainingPool, parseCsv } from "./training-pool.ts";

describe("training pool", () => {
  const pool = loadTrainingPool(SHARED_DIR);

  it("has both sets: 538 recordings, 88 laughter, 13 suspect", () => {
    expect(pool).toHaveLength(538);
    expect(pool.filter((r) => r.isLaughter)).toHaveLength(88);
    expect(pool.filter((r) => r.suspect)).toHaveLength(13);
    expect(new Set(pool.map((r) => r.id)).size).toBe(538);
  });

  it("derives dev groups with the training pool's scheme", () => {
    expect(
      devGroup(
        "github.com/deeplyinc/Nonverbal-Vocalization-Dataset",
        "dataset/laughing/QI15_12_10_0_17_0_0_0.wav@3be16dc74cbf",
      ),
    ).toBe("deeply:QI15");
    expect(devGroup("github.com/nevermoreLin/Laugh_LSN", "clips/int-id10249-laugh3.wav@59c9c783d9b7")).toBe(
      "vox:id10249",
    );
    expect(devGroup("github.com/x/y", "datasets/d/4-181599-A-26_enc.wav@ed89ff71e4bd")).toBe("esc50:181599");
    expect(devGroup("github.com/openai/whisper", "tests/jfk.flac@abc123")).toBe(
      "file:openai/whisper/tests/jfk.flac",
    );
  });

  it("never splits a group across folds, and spreads the laughs", () => {
    const folds = groupedFolds(pool, 5, 1);
    const foldOfGroup = new Map<string, number>();
    for (const [k, r] of pool.entries()) {
      expect(foldOfGroup.get(r.group) ?? folds[k], r.group).toBe(folds[k]);
      foldOfGroup.set(r.group, folds[k]);
    }
    const laughs = [0, 1, 2, 3, 4].map((f) => pool.filter((r, k) => folds[k] === f && r.isLaughter).length);
    expect(Math.max(...laughs) - Math.min(...laughs)).toBeLessThanOrEqual(2);
    expect(groupedFolds(pool, 5, 1)).toEqual(folds);
  });

  it("loads daylife: speech and ambient as streams, its laughs as clips, groups kept on one side", () => {
    const daylife = loadDaylife(SHARED_DIR);
    expect(daylife).toHaveLength(132);
    expect(daylife.filter((r) => r.stream === "speech")).toHaveLength(49);
    expect(daylife.filter((r) => r.stream === "ambient")).toHaveLength(76);
    expect(daylife.filter((r) => r.isLaughter && r.stream === undefined)).toHaveLength(7);
    const folds = groupedFolds(daylife, 5, 1);
    const foldOfGroup = new Map<string, number>();
    for (const [k, r] of daylife.entries()) {
      expect(foldOfGroup.get(r.group) ?? folds[k], r.group).toBe(folds[k]);
      foldOfGroup.set(r.group, folds[k]);
    }
  });

  it("parses quoted CSV fields", () => {
    expect(parseCsv('a,b\n"x, ""y""",z\n')).toEqual([{ a: 'x, "y"', b: "z" }]);
    expect(() => parseCsv("a,b\n1\n")).toThrow(/row 2: 1 fields/);
  });
});
