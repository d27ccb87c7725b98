import { describe, expect, it } from "vitest";
import { type CheckResult, exitCodeOf, formatReport, runCheck } from "./smoke-report.ts";

const results: CheckResult[] = [
  { name: "migrations", status: "pass", summary: "16 of 16 applied" },
  {
    name: "kick → dispatch",
    status: "fail",
    summary: "the kick does not reach dispatch",
    details: ["last run: failed, 30 s ago (GQ006)", "Vault secret dispatch_token is missing"],
  },
  { name: "inference nodes", status: "skip", summary: "no --node <url> given" },
];

describe("formatReport", () => {
  it("prints one aligned line per check, its details indented under it, and a tally", () => {
    expect(formatReport("abcdefghij", results)).toBe(
      [
        "giggles smoke check of project abcdefghij (read-only)",
        "",
        "PASS  migrations       16 of 16 applied",
        "FAIL  kick → dispatch  the kick does not reach dispatch",
        "                       last run: failed, 30 s ago (GQ006)",
        "                       Vault secret dispatch_token is missing",
        "SKIP  inference nodes  no --node <url> given",
        "",
        "1 passed, 1 failed, 1 skipped",
        "",
      ].join("\n"),
    );
  });
});

describe("exitCodeOf", () => {
  it("is 1 when a check failed and 0 when the rest passed or were skipped", () => {
    expect(exitCodeOf(results)).toBe(1);
    expect(exitCodeOf(results.filter((result) => result.status !== "fail"))).toBe(0);
  });
});

describe("runCheck", () => {
  it("turns a check that throws into a failure naming the check and the error", async () => {
    const result = await runCheck("buckets", async () => {
      throw new Error('relation "storage.buckets" does not exist');
    });
    expect(result).toEqual({
      name: "buckets",
      status: "fail",
      summary: 'could not run: relation "storage.buckets" does not exist',
    });
  });
});
