/**
 * @module
 * The smoke checks that read the project's database: migrations applied, pg_cron schedules, the minute
 * kick reaching `dispatch`, and the buckets. Each runs in a `begin read only` transaction, so a check can
 * never change the project. Works on any PostgreSQL with the same catalogs (the local harness's too).
 */
import { readdirSync } from "node:fs";
import type postgres from "postgres";
import type { CheckResult } from "./smoke-report.ts";

/**
 * pg_cron jobs the migrations schedule (supabase/migrations/20261128001300_cron_schedules.sql and
 * 20261201002030_expire_uploads.sql).
 */
export const EXPECTED_CRON_JOBS = Object.freeze([
  "giggles-sweep",
  "giggles-kick-dispatch",
  "giggles-reap-expired-leases",
  "giggles-expire-uploads",
  "giggles-cron-history-cleanup",
]);
export const KICK_JOB = "giggles-kick-dispatch";
/** A kick run older than this means pg_cron is not running it (it is scheduled every minute). */
export const KICK_STALE_AFTER_MS = 5 * 60_000;

/** Versions (the timestamp prefix) of the migration files in `dir`, sorted. */
export function localMigrationVersions(dir = "supabase/migrations"): string[] {
  return readdirSync(dir)
    .filter((name) => /^\d+_.+\.sql$/.test(name))
    .map((name) => name.slice(0, name.indexOf("_")))
    .sort();
}

/**
 * Every local migration is recorded in `supabase_migrations.schema_migrations`, the table `supabase db
 * push` writes.
 */
export async function checkMigrations(
  sql: postgres.Sql,
  localVersions: readonly string[],
): Promise<CheckResult> {
  const name = "migrations";
  return await sql.begin("read only", async (tx) => {
    const [table] = await tx<{ present: boolean }[]>`
      select to_regclass('supabase_migrations.schema_migrations') is not null as present`;
    if (!table?.present) {
      return {
        name,
        status: "fail",
        summary: "supabase_migrations.schema_migrations does not exist: `supabase db push` never ran",
      };
    }
    const rows = await tx<{ version: string }[]>`select version from supabase_migrations.schema_migrations`;
    const applied = new Set(rows.map((row) => row.version));
    const missing = localVersions.filter((version) => !applied.has(version));
    const local = new Set(localVersions);
    const unknown = [...applied].filter((version) => !local.has(version)).sort();
    const details = [
      ...missing.map((version) => `not applied: ${version}`),
      ...unknown.map((version) => `applied on the project, not in this checkout: ${version}`),
    ];
    return {
      name,
      status: missing.length === 0 ? "pass" : "fail",
      summary: `${localVersions.length - missing.length} of ${localVersions.length} applied`,
      details,
    };
  });
}

/** Every giggles pg_cron job exists and is active. */
export async function checkSchedules(sql: postgres.Sql): Promise<CheckResult> {
  const name = "schedules";
  return await sql.begin("read only", async (tx) => {
    const rows = await tx<{ jobname: string; schedule: string; active: boolean }[]>`
      select jobname, schedule, active from cron.job where jobname = any(${[...EXPECTED_CRON_JOBS]})`;
    const found = new Map(rows.map((row) => [row.jobname, row]));
    const details: string[] = [];
    let ok = true;
    for (const job of EXPECTED_CRON_JOBS) {
      const row = found.get(job);
      if (row === undefined) {
        ok = false;
        details.push(`${job}: missing`);
      } else {
        if (!row.active) ok = false;
        details.push(`${job}: "${row.schedule}"${row.active ? "" : " (inactive)"}`);
      }
    }
    return {
      name,
      status: ok ? "pass" : "fail",
      summary: `${rows.filter((row) => row.active).length} of ${EXPECTED_CRON_JOBS.length} jobs scheduled and active`,
      details,
    };
  });
}

/**
 * The minute kick runs and reaches `dispatch`: its latest pg_cron run succeeded recently, pg_net and the
 * Vault secrets it needs exist (names only; nothing is decrypted), and pg_net's latest responses are 2xx.
 */
export async function checkKick(sql: postgres.Sql, now: Date = new Date()): Promise<CheckResult> {
  const name = "kick → dispatch";
  return await sql.begin("read only", async (tx) => {
    const details: string[] = [];
    let ok = true;
    const [run] = await tx<{ status: string; return_message: string | null; end_time: Date | null }[]>`
      select d.status, d.return_message, d.end_time
      from cron.job_run_details d join cron.job j on j.jobid = d.jobid
      where j.jobname = ${KICK_JOB}
      order by d.runid desc limit 1`;
    if (run === undefined) {
      ok = false;
      details.push(`${KICK_JOB} has never run (cron.job_run_details is empty for it)`);
    } else {
      const ageMs = run.end_time === null ? Number.POSITIVE_INFINITY : now.getTime() - run.end_time.getTime();
      const when = run.end_time === null ? "not finished" : `${Math.round(ageMs / 1000)} s ago`;
      details.push(`last run: ${run.status}, ${when}${run.return_message ? ` (${run.return_message})` : ""}`);
      if (run.status !== "succeeded" || ageMs > KICK_STALE_AFTER_MS) ok = false;
    }
    const [extension] = await tx<{ present: boolean }[]>`
      select exists (select 1 from pg_catalog.pg_extension where extname = 'pg_net') as present`;
    if (!extension?.present) {
      ok = false;
      details.push("pg_net is not installed: the kick only NOTIFYs and never calls dispatch");
    } else {
      const secrets = await tx<{ name: string }[]>`
        select name from vault.secrets where name in ('dispatch_url', 'dispatch_token')`;
      const names = new Set(secrets.map((secret) => secret.name));
      for (const secret of ["dispatch_url", "dispatch_token"]) {
        if (!names.has(secret)) {
          ok = false;
          details.push(`Vault secret ${secret} is missing (the kick raises GQ006)`);
        }
      }
      const responses = await tx<
        { status_code: number | null; timed_out: boolean | null; error_msg: string | null; created: Date }[]
      >`
        select status_code, timed_out, error_msg, created from net._http_response
        where created > now() - interval '1 hour' order by created desc limit 5`;
      if (responses.length === 0) {
        details.push(
          "no pg_net responses in the last hour (the kick calls dispatch only when jobs are runnable)",
        );
      }
      for (const response of responses) {
        const outcome = response.timed_out
          ? "timed out"
          : (response.error_msg ?? `HTTP ${response.status_code ?? "?"}`);
        details.push(`pg_net response ${response.created.toISOString()}: ${outcome}`);
      }
      const latest = responses[0];
      if (latest !== undefined && !(latest.status_code !== null && latest.status_code < 300)) ok = false;
    }
    return {
      name,
      status: ok ? "pass" : "fail",
      summary: ok ? "the kick runs and reaches dispatch" : "the kick does not reach dispatch",
      details,
    };
  });
}

/** Expected buckets: present and private; their size limits are reported. */
export async function checkBuckets(sql: postgres.Sql, bucketIds: readonly string[]): Promise<CheckResult> {
  const name = "buckets";
  return await sql.begin("read only", async (tx) => {
    const rows = await tx<
      { id: string; public: boolean; file_size_limit: string | null; allowed_mime_types: string[] | null }[]
    >`
      select id, public, file_size_limit::text as file_size_limit, allowed_mime_types
      from storage.buckets where id = any(${[...bucketIds]})`;
    const found = new Map(rows.map((row) => [row.id, row]));
    const details: string[] = [];
    let ok = true;
    for (const id of bucketIds) {
      const row = found.get(id);
      if (row === undefined) {
        ok = false;
        details.push(`${id}: missing`);
        continue;
      }
      if (row.public) ok = false;
      const limit =
        row.file_size_limit === null
          ? "no bucket limit (the project's global file size limit applies)"
          : `file_size_limit ${(Number(row.file_size_limit) / 1e6).toFixed(1)} MB`;
      const types = row.allowed_mime_types === null ? "any type" : row.allowed_mime_types.join(", ");
      details.push(`${id}: ${row.public ? "PUBLIC (must be private)" : "private"}, ${limit}, ${types}`);
    }
    return {
      name,
      status: ok ? "pass" : "fail",
      summary: `${rows.length} of ${bucketIds.length} present${ok ? ", private" : ""}`,
      details,
    };
  });
}
