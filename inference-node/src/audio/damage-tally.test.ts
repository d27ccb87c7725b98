import { describe, expect, it } from "vitest";
import { DamageTally } from "./damage-tally.ts";

describe("DamageTally", () => {
  it("counts damage, keeps the first one, and leaves truncation to the engine's notice", () => {
    const tally = new DamageTally();
    tally.note({ message: "cut", byteOffset: 900, truncated: true });
    expect(tally.notice).toBeUndefined();
    tally.note({ message: "page at 100 skipped", byteOffset: 100 });
    tally.note({ message: "page at 500 skipped", byteOffset: 500 });
    expect(tally.notice).toEqual({ message: "page at 100 skipped", byteOffset: 100, damagedParts: 2 });
  });
});
