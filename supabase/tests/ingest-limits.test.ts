/**
 * The ingest function's run budget and byte cap (functions/ingest/limits.ts): a window is claimed only while its whole
 * download timeout still fits in the Edge run's wall clock, so no download starts late in the run and is
 * cut by the platform.
 */
import { describe, expect, it } from "vitest";
import { mayClaim, windowByteCap } from "../functions/ingest/limits.ts";

/** The defaults of functions/ingest/config.ts. */
const defaults = { INGEST_BUDGET_MS: 100_000, INGEST_DOWNLOAD_TIMEOUT_MS: 120_000, INGEST_WALL_MS: 150_000 };

describe("ingest run budget", () => {
  it("claims only while a whole download fits before the run's wall clock (150 s, 120 s downloads)", () => {
    const config = defaults;
    expect(mayClaim(config, 0)).toBe(true);
    expect(mayClaim(config, 30_000)).toBe(true);
    expect(mayClaim(config, 30_001)).toBe(false);
    expect(mayClaim(config, 99_000)).toBe(false);
  });

  it("on a 400 s plan the budget is the limit again", () => {
    const config = { ...defaults, INGEST_WALL_MS: 400_000 };
    expect(mayClaim(config, 99_999)).toBe(true);
    expect(mayClaim(config, 100_000)).toBe(false);
  });
});

describe("window byte cap", () => {
  it("is the window's length at 3 × the pendant's 24 kbit/s plus 1 MiB: a 2 h window may weigh 65.8 MB", () => {
    expect(windowByteCap(7_200_000, 3)).toBe(64_800_000 + 1_048_576);
    expect(windowByteCap(3_600_000, 1)).toBe(10_800_000 + 1_048_576);
  });
});
