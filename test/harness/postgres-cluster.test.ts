import { describe, expect, it } from "vitest";
import { osUser } from "./postgres-cluster.ts";

describe("osUser", () => {
  it.runIf(process.getuid?.() === 0)("looks the postgres OS user up once, not once per file", () => {
    const first = osUser();
    expect(first?.uid).toBeGreaterThan(0);
    // The same object: no second `id` spawn (chownTree calls this for every file of a data directory).
    expect(osUser()).toBe(first);
  });

  it.runIf(process.getuid?.() !== 0)("is not needed when not root", () => {
    expect(osUser()).toBeUndefined();
  });
});
