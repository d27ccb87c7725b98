/**
 * `recordings/split-plan.ts`: a night too large for one Storage object becomes consecutive parts that each
 * fit the limit with headroom, touch without overlapping, and cover the whole span.
 */
import { describe, expect, it } from "vitest";
import { planParts, SplitPlanError } from "../functions/recordings/split-plan.ts";

const MB50 = 50 * 1024 * 1024;
const start = Date.parse("2026-11-20T22:00:00Z");
const HOUR = 3600_000;

describe("planParts", () => {
  it("keeps a recording that fits as one part", () => {
    const plan = planParts({
      startedAtMs: start,
      endedAtMs: start + HOUR,
      sizeBytes: 10_800_000,
      maxPartBytes: MB50,
    });
    expect(plan.parts).toEqual([
      {
        startedAt: "2026-11-20T22:00:00.000Z",
        endedAt: "2026-11-20T23:00:00.000Z",
        estimatedBytes: 10_800_000,
      },
    ]);
  });

  it("splits an 8-hour night at 24 kbit/s (86.4 MB) for the Free plan's 50 MB into parts under the limit", () => {
    const sizeBytes = (8 * 3600 * 24_000) / 8; // 86,400,000 bytes
    const plan = planParts({
      startedAtMs: start,
      endedAtMs: start + 8 * HOUR,
      sizeBytes,
      maxPartBytes: MB50,
    });
    expect(plan.parts).toHaveLength(2);
    expect(plan.parts[0].startedAt).toBe("2026-11-20T22:00:00.000Z");
    expect(plan.parts[0].endedAt).toBe(plan.parts[1].startedAt);
    expect(plan.parts[1].endedAt).toBe("2026-11-21T06:00:00.000Z");
    for (const part of plan.parts) expect(part.estimatedBytes).toBeLessThanOrEqual(MB50 * 0.9);
  });

  it("covers the span exactly with touching parts, each within the headroom, for awkward numbers", () => {
    const endedAtMs = start + 23 * HOUR + 59 * 60_000 + 59_999;
    const sizeBytes = 2_764_800_123; // a day of 16 kHz 16-bit WAV
    const plan = planParts({ startedAtMs: start, endedAtMs, sizeBytes, maxPartBytes: MB50 });
    expect(plan.parts.length).toBe(Math.ceil(sizeBytes / Math.floor(MB50 * 0.9)));
    expect(Date.parse(plan.parts[0].startedAt)).toBe(start);
    expect(Date.parse(plan.parts.at(-1)?.endedAt ?? "")).toBe(endedAtMs);
    for (let i = 1; i < plan.parts.length; i++)
      expect(plan.parts[i].startedAt).toBe(plan.parts[i - 1].endedAt);
    for (const part of plan.parts)
      expect(part.estimatedBytes).toBeLessThanOrEqual(Math.floor(MB50 * 0.9) + 1);
  });

  it("refuses a size no audio has for its span, and non-positive inputs", () => {
    expect(() =>
      planParts({ startedAtMs: start, endedAtMs: start + 60_000, sizeBytes: 10 * MB50, maxPartBytes: MB50 }),
    ).toThrow(SplitPlanError);
    expect(() =>
      planParts({ startedAtMs: start, endedAtMs: start, sizeBytes: 1, maxPartBytes: MB50 }),
    ).toThrow(SplitPlanError);
  });
});
