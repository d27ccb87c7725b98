import { describe, expect, it } from "vitest";
import { withGeneratedReport } from "./metrics-report.ts";

describe("METRICS.md's generated part", () => {
  it("replaces only what lies between the markers", () => {
    const before =
      "# Title\n\nprose\n<!-- npm run train: start -->\nold\n<!-- npm run train: end -->\n\nmore prose\n";
    expect(withGeneratedReport(before, "| new |")).toBe(
      "# Title\n\nprose\n<!-- npm run train: start -->\n| new |\n<!-- npm run train: end -->\n\nmore prose\n",
    );
  });

  it("names the markers when they are missing", () => {
    expect(() => withGeneratedReport("# no markers", "x")).toThrow(/npm run train: start/);
  });
});
