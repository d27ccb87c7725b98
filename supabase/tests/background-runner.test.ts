/**
 * `_shared/background.ts`: on the Edge Runtime the task goes to `EdgeRuntime.waitUntil`; elsewhere it is
 * held until it settles (its rejection handled, so Deno does not exit on an unhandled rejection).
 */
import { describe, expect, it } from "vitest";
import { backgroundRunner } from "../functions/_shared/background.ts";

describe("backgroundRunner", () => {
  it("hands the task to EdgeRuntime.waitUntil when the runtime has it", async () => {
    const handed: Promise<unknown>[] = [];
    const run = backgroundRunner({ waitUntil: (promise: Promise<unknown>) => handed.push(promise) });
    const task = Promise.resolve("done");
    run(task);
    expect(handed).toEqual([task]);
  });

  it("without EdgeRuntime, a failing task is logged, not an unhandled rejection", async () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (line: string) => logged.push(line);
    try {
      backgroundRunner(undefined)(Promise.reject(new Error("pass failed")));
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      console.error = original;
    }
    expect(logged).toEqual([expect.stringContaining('"error":"pass failed"')]);
  });
});
