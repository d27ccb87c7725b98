import { describe, expect, it } from "vitest";
import { dateRangeSchema, MAX_NOTE_CHARS, noteBodySchema, profileBodySchema } from "./user-api.ts";

describe("user API request schemas", () => {
  it("a note: up to MAX_NOTE_CHARS code points, no control characters except tab and newlines", () => {
    expect(noteBodySchema.safeParse({ note: "😀".repeat(MAX_NOTE_CHARS) }).success).toBe(true);
    expect(noteBodySchema.safeParse({ note: "a".repeat(MAX_NOTE_CHARS + 1) }).success).toBe(false);
    expect(noteBodySchema.safeParse({ note: "tab\there\r\nnext" }).success).toBe(true);
    expect(noteBodySchema.safeParse({ note: null }).success).toBe(true);
    for (const bad of ["\u0000", "a\u0008b", "\u001b[31m", "\u007f"]) {
      expect(noteBodySchema.safeParse({ note: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("a date range: from ≤ to, at most 366 days, real dates", () => {
    expect(dateRangeSchema.safeParse({ from: "2026-01-01", to: "2026-12-31" }).success).toBe(true);
    expect(dateRangeSchema.safeParse({ from: "2024-01-01", to: "2024-12-31" }).success).toBe(true); // leap: 366
    expect(dateRangeSchema.safeParse({ from: "2025-01-01", to: "2026-01-01" }).success).toBe(true); // 366
    expect(dateRangeSchema.safeParse({ from: "2025-01-01", to: "2026-01-02" }).success).toBe(false); // 367
    expect(dateRangeSchema.safeParse({ from: "2026-11-10", to: "2026-11-09" }).success).toBe(false);
    expect(dateRangeSchema.safeParse({ from: "2026-02-30", to: "2026-03-01" }).success).toBe(false);
  });

  it("a time zone is a zone-like name (the database checks it is a real one)", () => {
    expect(profileBodySchema.safeParse({ timeZone: "America/Argentina/Buenos_Aires" }).success).toBe(true);
    expect(profileBodySchema.safeParse({ timeZone: "Etc/GMT+5" }).success).toBe(true);
    expect(profileBodySchema.safeParse({ timeZone: "UTC\u0000" }).success).toBe(false);
    expect(profileBodySchema.safeParse({ timeZone: "" }).success).toBe(false);
  });
});
