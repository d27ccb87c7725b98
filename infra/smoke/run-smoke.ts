/**
 * @module
 * `npm run smoke -- --project-ref <ref> [--node <url>]…` (entry: smoke.ts): a read-only check of a deployed giggles project,
 * printed as a report (see infra/node/DEPLOY.md, "Smoke check"). Exit code 0 when nothing failed, 1 when
 * a check failed, 2 on a bad command line.
 *
 * Environment (each check that lacks what it needs is reported as SKIP, saying what to set):
 * - `SMOKE_DB_URL`: a Postgres URL of the project (Dashboard → Connect; the session pooler works). Every
 *   query runs in a read-only transaction.
 * - `SUPABASE_ACCESS_TOKEN`: a personal access token for the Management API (functions and secrets).
 * - `SMOKE_FUNCTIONS_URL`: where the functions answer, default `https://<ref>.supabase.co/functions/v1`
 *   (set it for a custom domain).
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import {
  checkBuckets,
  checkKick,
  checkMigrations,
  checkSchedules,
  localMigrationVersions,
} from "./database-checks.ts";
import {
  checkFunctionsAnswer,
  checkNodesReady,
  FUNCTION_NAMES,
  functionsResult,
  managementFunctionsSchema,
  managementGet,
  managementSecretsSchema,
  secretsResult,
} from "./http-checks.ts";
import { type CheckResult, exitCodeOf, formatReport, runCheck } from "./smoke-report.ts";

const USAGE =
  "usage: npm run smoke -- --project-ref <ref> [--node <url>]… " +
  "(env: SMOKE_DB_URL, SUPABASE_ACCESS_TOKEN; see infra/node/DEPLOY.md)";
const BUCKETS = ["recordings", "clips"];

/** Runs every check and returns the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let projectRef: string;
  let nodeUrls: string[];
  try {
    const { values } = parseArgs({
      args: argv,
      options: { "project-ref": { type: "string" }, node: { type: "string", multiple: true } },
      strict: true,
    });
    projectRef = values["project-ref"] ?? "";
    nodeUrls = values.node ?? [];
    if (!/^[a-z0-9]{10,40}$/.test(projectRef))
      throw new Error("--project-ref <ref> is required (lowercase letters and digits)");
    for (const url of [...nodeUrls, env.SMOKE_FUNCTIONS_URL || "https://x"]) {
      if (!URL.canParse(url)) throw new Error(`${url} is not a URL`);
    }
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }

  const results: CheckResult[] = [];
  const dbUrl = env.SMOKE_DB_URL;
  if (dbUrl) {
    const sql = postgres(dbUrl, { max: 1, prepare: false, onnotice: () => {}, connect_timeout: 15 });
    try {
      results.push(await runCheck("migrations", () => checkMigrations(sql, localMigrationVersions())));
      results.push(await runCheck("schedules", () => checkSchedules(sql)));
      results.push(await runCheck("kick → dispatch", () => checkKick(sql)));
      results.push(await runCheck("buckets", () => checkBuckets(sql, BUCKETS)));
    } finally {
      await sql.end({ timeout: 5 });
    }
  } else {
    for (const name of ["migrations", "schedules", "kick → dispatch", "buckets"]) {
      results.push({ name, status: "skip", summary: "set SMOKE_DB_URL to the project's Postgres URL" });
    }
  }

  const token = env.SUPABASE_ACCESS_TOKEN;
  if (token) {
    const base = `/v1/projects/${projectRef}`;
    results.push(
      await runCheck("functions deployed", async () =>
        functionsResult(await managementGet(`${base}/functions`, token, managementFunctionsSchema)),
      ),
    );
    results.push(
      await runCheck("function secrets", async () =>
        secretsResult(await managementGet(`${base}/secrets`, token, managementSecretsSchema)),
      ),
    );
  } else {
    for (const name of ["functions deployed", "function secrets"]) {
      results.push({ name, status: "skip", summary: "set SUPABASE_ACCESS_TOKEN (a personal access token)" });
    }
  }

  const functionsUrl = (env.SMOKE_FUNCTIONS_URL || `https://${projectRef}.supabase.co/functions/v1`).replace(
    /\/+$/,
    "",
  );
  results.push(
    await runCheck("functions answer", () =>
      checkFunctionsAnswer(FUNCTION_NAMES.map((name) => ({ name, url: `${functionsUrl}/${name}` }))),
    ),
  );
  results.push(await runCheck("inference nodes", () => checkNodesReady(nodeUrls)));

  process.stdout.write(formatReport(projectRef, results));
  return exitCodeOf(results);
}
