/**
 * @module
 * The smoke checker's result type and its report: one block per check, `PASS` / `FAIL` / `SKIP`, the
 * details indented below, then a summary line. A skipped check says what it needs to run.
 */

/** Outcome of one check. */
export interface CheckResult {
  /** Short name, e.g. "migrations". */
  name: string;
  status: "pass" | "fail" | "skip";
  /** One line saying what was found (or, for a skip, what the check needs). */
  summary: string;
  /** Further lines: what is missing, what was seen. */
  details?: string[];
}

const LABEL: Readonly<Record<CheckResult["status"], string>> = {
  pass: "PASS",
  fail: "FAIL",
  skip: "SKIP",
};

/**
 * Formats the results as plain text for a terminal or a ticket.
 *
 * @example
 * console.log(formatReport("abcdefghij", results));
 */
export function formatReport(projectRef: string, results: readonly CheckResult[]): string {
  const width = Math.max(0, ...results.map((result) => result.name.length));
  const lines = [`giggles smoke check of project ${projectRef} (read-only)`, ""];
  for (const result of results) {
    lines.push(`${LABEL[result.status]}  ${result.name.padEnd(width)}  ${result.summary}`);
    for (const detail of result.details ?? []) lines.push(`${" ".repeat(width + 8)}${detail}`);
  }
  const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
  lines.push("", `${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
  return `${lines.join("\n")}\n`;
}

/** 1 when any check failed, else 0 (skips do not fail the run; the report lists them). */
export function exitCodeOf(results: readonly CheckResult[]): number {
  return results.some((result) => result.status === "fail") ? 1 : 0;
}

/** Runs a check, turning a thrown error into a failed result that names the check. */
export async function runCheck(name: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name, status: "fail", summary: `could not run: ${message}` };
  }
}
