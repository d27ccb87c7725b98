/**
 * Type-checks every Edge Function entry point with Deno itself (`deno check` with the functions'
 * import map and strict compiler options), so a type error in Deno-only code fails CI: the root
 * tsconfig excludes supabase/functions, whose `npm:` specifiers and `Deno` globals Node's tsc cannot see.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { denoBinary } from "../../test/harness/deno.ts";
import { FUNCTIONS_CONFIG } from "./functions-helpers.ts";

const FUNCTIONS_DIR = "supabase/functions";

/** `supabase/functions/<name>/index.ts` for every function (folders starting with `_` are shared code). */
function entryPoints(): string[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((name) => !name.startsWith("_") && statSync(join(FUNCTIONS_DIR, name)).isDirectory())
    .map((name) => join(FUNCTIONS_DIR, name, "index.ts"))
    .sort();
}

describe("deno check", () => {
  it("finds the seven functions", () => {
    expect(entryPoints()).toEqual([
      "supabase/functions/dispatch/index.ts",
      "supabase/functions/ingest/index.ts",
      "supabase/functions/laughs/index.ts",
      "supabase/functions/limitless-key/index.ts",
      "supabase/functions/me/index.ts",
      "supabase/functions/recordings/index.ts",
      "supabase/functions/report/index.ts",
    ]);
  });

  it("type-checks every supabase/functions/*/index.ts", () => {
    const result = spawnSync(
      denoBinary(),
      ["check", "--quiet", "--config", FUNCTIONS_CONFIG, ...entryPoints()],
      {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        timeout: 150_000,
      },
    );
    expect(result.stderr + result.stdout).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  }, 180_000);
});
