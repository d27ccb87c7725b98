import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("supabase/functions/_shared/generated", () => {
  // shared/ is the source of truth; Edge Functions bundle a generated copy. A stale copy would ship
  // different signing or schema code to Deno than the node runs (graphile's "schema hasn't changed" check).
  it("is in sync with shared/", () => {
    const result = spawnSync(process.execPath, ["infra/sync-shared.mjs", "--check"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
