/**
 * The platform mirror fails where Supabase fails (issue 12, item 10): migrations ran as a `postgres` role
 * that is not a superuser, the API roles inherit, cron.job is read-only to postgres, Vault's create_secret
 * is SECURITY DEFINER and not for PUBLIC; and the pg_net branch of the dispatch kick runs against a
 * recording `net.http_post`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPgNetStub, startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { createRecording, createUser, pauseCron } from "./fixtures.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
  await pauseCron(db.sql);
});
afterAll(() => db?.stop());

describe("roles as on a hosted project", () => {
  it("postgres is not a superuser but has the platform's attributes and API role memberships", async () => {
    const [role] = await db.sql`
      select current_user as me, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication,
             pg_has_role('postgres', 'anon', 'member') as anon,
             pg_has_role('postgres', 'authenticated', 'member') as authenticated,
             pg_has_role('postgres', 'service_role', 'member') as service_role
      from pg_roles where rolname = 'postgres'`;
    expect(role).toEqual({
      me: "postgres",
      rolsuper: false,
      rolcreaterole: true,
      rolcreatedb: true,
      rolbypassrls: true,
      rolreplication: true,
      anon: true,
      authenticated: true,
      service_role: true,
    });
    const api = await db.sql`
      select rolname, rolinherit from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by 1`;
    expect(api).toEqual([
      { rolname: "anon", rolinherit: true },
      { rolname: "authenticated", rolinherit: true },
      { rolname: "service_role", rolinherit: true },
    ]);
  });

  it("the migrations ran as postgres (it owns what they created)", async () => {
    const owners = await db.sql`
      select n.nspname as schema, pg_get_userbyid(n.nspowner) as owner
      from pg_namespace n where n.nspname in ('private', 'queue') order by 1`;
    expect(owners).toEqual([
      { schema: "private", owner: "postgres" },
      { schema: "queue", owner: "postgres" },
    ]);
    const [table] =
      await db.sql`select tableowner from pg_tables where schemaname = 'public' and tablename = 'recordings'`;
    expect(table.tableowner).toBe("postgres");
    const jobs = await db.sql`select distinct username from cron.job`;
    expect(jobs).toEqual([{ username: "postgres" }]);
  });

  it("what needs a superuser fails, as it would on the platform", async () => {
    await expect(
      db.sql.unsafe(
        "create event trigger giggles_probe on ddl_command_end execute function pg_catalog.now()",
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(db.sql`alter role postgres superuser`).rejects.toMatchObject({ code: "42501" });
  });

  it("cron.job is read-only to postgres; cron.alter_job changes its jobs", async () => {
    await expect(db.sql`update cron.job set active = true`).rejects.toMatchObject({ code: "42501" });
    const [job] = await db.sql`select jobid from cron.job where jobname = 'giggles-sweep'`;
    await db.sql`select cron.alter_job(${job.jobid}, active := true)`;
    const [after] = await db.sql`select active from cron.job where jobid = ${job.jobid}`;
    expect(after.active).toBe(true);
    await pauseCron(db.sql);
  });

  it("vault.create_secret is SECURITY DEFINER, callable by postgres, not by PUBLIC or the API roles", async () => {
    const [fn] = await db.sql`
      select prosecdef, has_function_privilege('public', p.oid, 'execute') as public_execute
      from pg_proc p where p.oid = 'vault.create_secret(text, text, text)'::regprocedure`;
    expect(fn).toEqual({ prosecdef: true, public_execute: false });
    for (const role of ["anon", "authenticated", "service_role"]) {
      await expect(
        db.sql.begin(async (sql) => {
          await sql.unsafe(`set local role ${role}`);
          await sql`select vault.create_secret('x', ${`probe-${role}`})`;
        }),
        role,
      ).rejects.toMatchObject({ code: "42501" });
    }
    const [created] = await db.sql`select vault.create_secret('value', 'probe-postgres') as id`;
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    await db.sql`delete from vault.secrets where name = 'probe-postgres'`;
  });
});

describe("the dispatch kick's pg_net branch (net.http_post stand-in)", () => {
  beforeAll(async () => {
    installPgNetStub(db);
    const userId = await createUser(db.sql, "Europe/Berlin");
    const recording = await createRecording(db.sql, { userId, startedAt: "2026-11-20T08:00:00Z" });
    await db.sql`select queue.enqueue(${recording.id})`;
  });

  it("fails with GQ006 while Vault lacks the URL or token", async () => {
    await expect(db.sql`select queue.kick_dispatch()`).rejects.toMatchObject({ code: "GQ006" });
    const [{ n }] = await db.sql`select count(*)::int as n from net.stub_requests`;
    expect(n).toBe(0);
  });

  it("POSTs the runnable count to the Vault URL with the Vault token, with pg_net's 5 s timeout", async () => {
    await db.sql`select vault.create_secret('https://ref.supabase.co/functions/v1/dispatch', 'dispatch_url')`;
    await db.sql`select vault.create_secret('kick-token-0123456789', 'dispatch_token')`;
    const [kick] = await db.sql`select queue.kick_dispatch() as result`;
    expect(kick.result).toBe("http");
    const calls =
      await db.sql`select url, body, params, headers, timeout_milliseconds, called_by from net.stub_requests`;
    expect(calls).toEqual([
      {
        url: "https://ref.supabase.co/functions/v1/dispatch",
        body: { runnable: 1, at: expect.any(String) },
        params: {},
        headers: { "Content-Type": "application/json", Authorization: "Bearer kick-token-0123456789" },
        timeout_milliseconds: 5000,
        called_by: "postgres",
      },
    ]);
  });
});
