/**
 * @module
 * The schema our migrations produce, as `pg_dump --schema-only` text with the version banner removed, for
 * the drift check (STYLE rule 10, graphile's "Check schema hasn't changed"): `supabase/schema.sql` is
 * committed, and `schema-dump.integration.ts` fails when the migrations no longer produce it.
 *
 *   npm run schema:dump   rewrites supabase/schema.sql from a fresh template cluster
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePostgresBinaries } from "../test/harness/postgres-binaries.ts";
import { buildTemplateCluster, startClusterFromTemplate } from "../test/harness/postgres-cluster.ts";

export const SCHEMA_DUMP_PATH = resolve(fileURLToPath(new URL("..", import.meta.url)), "supabase/schema.sql");
/** Our schemas; the platform mirror (auth, vault, extensions) and pg_cron's own tables are not ours. */
const SCHEMAS = ["public", "private", "queue", "user_api"];

/** Dumps the schemas of the database at `url` (a superuser connection string). */
export function dumpSchema(url: string): string {
  const bins = ensurePostgresBinaries();
  const out = execFileSync(
    join(bins.binDir, "pg_dump"),
    ["--schema-only", "--no-owner", "--no-privileges", ...SCHEMAS.flatMap((s) => ["--schema", s]), url],
    { encoding: "utf8" },
  );
  return `${out
    .split("\n")
    // The banner names the server and pg_dump versions, and \restrict/\unrestrict carry a random key per
    // dump (pg_dump 15.14+); everything else is the schema itself.
    .filter((line) => !/^-- Dumped (from|by) /.test(line) && !/^\\(un)?restrict /.test(line))
    .join("\n")
    .trim()}\n`;
}

async function main(): Promise<void> {
  const templateDir = await buildTemplateCluster();
  const cluster = await startClusterFromTemplate(templateDir);
  try {
    writeFileSync(SCHEMA_DUMP_PATH, dumpSchema(cluster.url));
    console.log(`wrote ${SCHEMA_DUMP_PATH}`);
  } finally {
    await cluster.stop();
    rmSync(templateDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await main();
