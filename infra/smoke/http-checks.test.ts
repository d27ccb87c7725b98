import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  FUNCTION_NAMES,
  functionsResult,
  managementFunctionsSchema,
  managementSecretsSchema,
  REQUIRED_SECRETS,
  secretsResult,
} from "./http-checks.ts";
import { main } from "./run-smoke.ts";

/** Every .ts under supabase/functions except the generated copies of shared/. */
function functionSources(dir = "supabase/functions"): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => !path.endsWith("generated"))
    .map((path) =>
      statSync(path).isDirectory()
        ? functionSources(path)
        : path.endsWith(".ts")
          ? readFileSync(path, "utf8")
          : "",
    )
    .join("\n");
}

describe("the smoke checker's expectations", () => {
  it("name the functions in supabase/functions and secrets the functions read", () => {
    const dirs = readdirSync("supabase/functions").filter(
      (name) => !name.startsWith("_") && statSync(join("supabase/functions", name)).isDirectory(),
    );
    expect([...FUNCTION_NAMES]).toEqual(dirs.sort());
    const sources = functionSources();
    for (const secret of REQUIRED_SECRETS) expect(sources, secret).toContain(secret);
  });
});

describe("functionsResult", () => {
  it("passes only when every giggles function is listed ACTIVE", () => {
    const listed = managementFunctionsSchema.parse([
      { id: "1", slug: "dispatch", name: "dispatch", status: "ACTIVE", version: 3, verify_jwt: false },
      { id: "2", slug: "laughs", name: "laughs", status: "ACTIVE", version: 2 },
      { id: "3", slug: "recordings", name: "recordings", status: "THROTTLED", version: 2 },
      { id: "4", slug: "hello", name: "hello", status: "ACTIVE", version: 1 },
    ]);
    expect(functionsResult(listed)).toEqual({
      name: "functions deployed",
      status: "fail",
      summary: "2 of 7 active",
      details: [
        "dispatch: ACTIVE, version 3",
        "ingest: not deployed",
        "laughs: ACTIVE, version 2",
        "limitless-key: not deployed",
        "me: not deployed",
        "recordings: THROTTLED, version 2",
        "report: not deployed",
      ],
    });
    const all = FUNCTION_NAMES.map((slug) => ({ slug, status: "ACTIVE" }));
    expect(functionsResult(all).status).toBe("pass");
  });
});

describe("secretsResult", () => {
  it("names each required secret that is not set", () => {
    const listed = managementSecretsSchema.parse(
      REQUIRED_SECRETS.filter((name) => name !== "REPORT_URL").map((name) => ({ name, value: "digest" })),
    );
    expect(secretsResult(listed)).toMatchObject({ status: "fail", details: ["missing: REPORT_URL"] });
    expect(secretsResult([...listed, { name: "REPORT_URL" }]).status).toBe("pass");
  });
});

describe("npm run smoke", () => {
  it("exits 2 with the usage on a bad command line", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await main([], {})).toBe(2);
    expect(errors).toHaveBeenLastCalledWith(
      expect.stringMatching(/^--project-ref <ref> is required.*\nusage: npm run smoke/),
    );
    expect(await main(["--project-ref", "Not A Ref"], {})).toBe(2);
    expect(await main(["--project-ref", "abcdefghij", "--node", "not a url"], {})).toBe(2);
    expect(await main(["--project-ref", "abcdefghij", "--bogus"], {})).toBe(2);
    errors.mockRestore();
  });
});
