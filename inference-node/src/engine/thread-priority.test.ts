import { getPriority } from "node:os";
import { describe, expect, it } from "vitest";
import { currentThreadId, lowerThreadPriority } from "./thread-priority.ts";

describe("lowerThreadPriority", () => {
  it("refuses a negative or fractional increment (raising priority is not its job)", () => {
    expect(() => lowerThreadPriority(-1)).toThrow(/non-negative integer/);
    expect(() => lowerThreadPriority(1.5)).toThrow(/non-negative integer/);
  });

  it.runIf(process.platform === "linux")(
    "changes nothing with an increment of 0, and names this thread",
    () => {
      const threadId = currentThreadId();
      expect(threadId).toBeGreaterThan(0);
      const before = getPriority(threadId);
      expect(lowerThreadPriority(0)).toBe(before);
      expect(getPriority(threadId)).toBe(before);
    },
  );
});
