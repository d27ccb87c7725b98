/**
 * The smoke checker's database checks against the local PostgreSQL 15 + pg_cron cluster with every
 * migration applied. Tables the harness does not have (the Supabase CLI's migration history,
 * storage.buckets) are created here with the platform's columns, as `supabase db push` and Storage create
 * them; pg_cron's tables are the real ones.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pauseCron } from "../../supabase/tests/fixtures.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { freePort } from "../../test/harness/free-port.ts";
import {
  checkBuckets,
  checkKick,
  checkMigrations,
  checkSchedules,
  EXPECTED_CRON_JOBS,
  KICK_JOB,
  localMigrationVersions,
} from "./database-checks.ts";
import { main } from "./run-smoke.ts";
import { runCheck } from "./smoke-report.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(() => db?.stop());

describe("checkMigrations", () => {
  const versions = localMigrationVersions();

  it("fails when the CLI's history table does not exist", async () => {
    expect(versions.length).toBeGreaterThan(10);
    const result = await checkMigrations(db.sql, versions);
    expect(result).toMatchObject({ status: "fail", summary: expect.stringMatching(/db push/) });
  });

  it("names each migration not applied, and those only the project has", async () => {
    await db.sql`create schema supabase_migrations`;
    await db.sql`create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text)`;
    const [last, ...rest] = [...versions].reverse();
    for (const version of [...rest, "20990101000000"]) {
      await db.sql`insert into supabase_migrations.schema_migrations (version) values (${version})`;
    }
    expect(await checkMigrations(db.sql, versions)).toEqual({
      name: "migrations",
      status: "fail",
      summary: `${versions.length - 1} of ${versions.length} applied`,
      details: [`not applied: ${last}`, "applied on the project, not in this checkout: 20990101000000"],
    });
    await db.sql`insert into supabase_migrations.schema_migrations (version) values (${last ?? ""})`;
    expect(await checkMigrations(db.sql, versions)).toMatchObject({ status: "pass" });
  });
});

describe("checkSchedules", () => {
  it("passes on the migrations' schedules and fails when a job is inactive", async () => {
    expect(await checkSchedules(db.sql)).toMatchObject({
      status: "pass",
      summary: `${EXPECTED_CRON_JOBS.length} of ${EXPECTED_CRON_JOBS.length} jobs scheduled and active`,
    });
    await pauseCron(db.sql);
    const paused = await checkSchedules(db.sql);
    expect(paused.status).toBe("fail");
    expect(paused.details).toContain(`${KICK_JOB}: "* * * * *" (inactive)`);
  });
});

describe("checkKick", () => {
  async function recordRun(status: string, endedSecondsAgo: number, message: string | null) {
    await db.sql`
      insert into cron.job_run_details (jobid, job_pid, database, username, command, status, return_message,
                                        start_time, end_time)
      select jobid, 1, current_database(), 'postgres', command, ${status}, ${message},
             now() - make_interval(secs => ${endedSecondsAgo + 1}), now() - make_interval(secs => ${endedSecondsAgo})
      from cron.job where jobname = ${KICK_JOB}`;
  }

  it("reports a kick that never ran, and that without pg_net it never calls dispatch", async () => {
    await db.sql`delete from cron.job_run_details`;
    const result = await checkKick(db.sql);
    expect(result.status).toBe("fail");
    expect(result.details).toEqual([
      `${KICK_JOB} has never run (cron.job_run_details is empty for it)`,
      "pg_net is not installed: the kick only NOTIFYs and never calls dispatch",
    ]);
  });

  it("reports the latest run: a failure with its message, then a recent success", async () => {
    await recordRun("failed", 30, "ERROR:  DISPATCH_NOT_CONFIGURED");
    const failed = await checkKick(db.sql);
    expect(failed.details?.[0]).toBe("last run: failed, 30 s ago (ERROR:  DISPATCH_NOT_CONFIGURED)");
    await recordRun("succeeded", 20, "1 row");
    const succeeded = await checkKick(db.sql);
    expect(succeeded.details?.[0]).toBe("last run: succeeded, 20 s ago (1 row)");
    // Still a failure here: this cluster has no pg_net, so the kick NOTIFYs instead of calling dispatch.
    expect(succeeded.status).toBe("fail");
    await recordRun("succeeded", 600, null);
    expect((await checkKick(db.sql)).details?.[0]).toBe("last run: succeeded, 600 s ago");
  });
});

describe("checkBuckets", () => {
  it("cannot run without storage.buckets, and says so", async () => {
    const result = await runCheck("buckets", () => checkBuckets(db.sql, ["recordings", "clips"]));
    expect(result).toMatchObject({ status: "fail", summary: expect.stringMatching(/storage\.buckets/) });
  });

  it("wants each bucket present and private, and reports its limits", async () => {
    await db.sql`create schema if not exists storage`;
    await db.sql`
      create table storage.buckets (
        id text primary key, name text not null, owner uuid, created_at timestamptz default now(),
        updated_at timestamptz default now(), public boolean default false, avif_autodetection boolean default false,
        file_size_limit bigint, allowed_mime_types text[], owner_id text)`;
    await db.sql`
      insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
      values ('recordings', 'recordings', false, 524288000, '{audio/ogg,audio/wav}'), ('clips', 'clips', true, null, null)`;
    expect(await checkBuckets(db.sql, ["recordings", "clips", "extra"])).toEqual({
      name: "buckets",
      status: "fail",
      summary: "2 of 3 present",
      details: [
        "recordings: private, file_size_limit 524.3 MB, audio/ogg, audio/wav",
        "clips: PUBLIC (must be private), no bucket limit (the project's global file size limit applies), any type",
        "extra: missing",
      ],
    });
    await db.sql`update storage.buckets set public = false where id = 'clips'`;
    expect(await checkBuckets(db.sql, ["recordings", "clips"])).toMatchObject({
      status: "pass",
      summary: "2 of 2 present, private",
    });
  });
});

describe("npm run smoke with SMOKE_DB_URL", () => {
  it("runs the database checks, prints the report and exits 1 on a failure", async () => {
    const closedPort = await freePort();
    let printed = "";
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    try {
      const code = await main(["--project-ref", "abcdefghij"], {
        SMOKE_DB_URL: db.url,
        SMOKE_FUNCTIONS_URL: `http://127.0.0.1:${closedPort}/functions/v1/`,
      });
      expect(code).toBe(1);
    } finally {
      write.mockRestore();
    }
    const lines = printed.split("\n");
    const count = localMigrationVersions().length;
    expect(lines[0]).toBe("giggles smoke check of project abcdefghij (read-only)");
    // The earlier tests left every migration recorded, the jobs paused, the kick without pg_net.
    expect(printed).toMatch(new RegExp(`^PASS {2}migrations +${count} of ${count} applied$`, "m"));
    expect(printed).toMatch(/^FAIL {2}schedules +0 of 5 jobs scheduled and active$/m);
    expect(printed).toMatch(/^SKIP {2}functions deployed +set SUPABASE_ACCESS_TOKEN/m);
    expect(printed).toMatch(
      new RegExp(
        `dispatch: fetch failed \\(ECONNREFUSED.* at http://127\\.0\\.0\\.1:${closedPort}/functions/v1/dispatch$`,
        "m",
      ),
    );
    expect(printed).toMatch(/^SKIP {2}inference nodes +no --node <url> given/m);
  });
});
