import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { asRole, createRecording, createUser, event, pauseCron, type Sql } from "./fixtures.ts";

const PERMISSION_DENIED = "42501";

/** Runs `query` and returns "ok:<rows>" or the SQLSTATE, so the matrix reads as a table. */
async function attempt(query: () => Promise<readonly unknown[]>): Promise<string> {
  try {
    const rows = await query();
    return `ok:${rows.length}`;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("RLS and privileges", () => {
  let db: TestDatabase;
  let userA: string;
  let userB: string;
  let recordingA: string;

  beforeAll(async () => {
    db = await startTestDatabase();
    await pauseCron(db.sql);
    userA = await createUser(db.sql, "Europe/London");
    userB = await createUser(db.sql, "Asia/Kolkata");
    for (const userId of [userA, userB]) {
      const { id } = await createRecording(db.sql, { userId, startedAt: "2026-04-01T10:00:00Z" });
      const [{ job_id }] = await db.sql`select queue.enqueue(${id}) as job_id`;
      const [claim] = await db.sql`select * from queue.claim(1)`;
      expect(Number(claim.job_id)).toBe(Number(job_id));
      await db.sql`select queue.complete(${claim.job_id}, ${claim.lease_token}, ${db.sql.json([event(100)])}, '{}', 'm@1')`;
      if (userId === userA) recordingA = id;
    }
  });
  afterAll(() => db.stop());

  const asA = <T>(fn: (tx: Sql) => Promise<T>) => asRole(db.sql, "authenticated", userA, fn);
  const asAnon = <T>(fn: (tx: Sql) => Promise<T>) => asRole(db.sql, "anon", null, fn);
  const asService = <T>(fn: (tx: Sql) => Promise<T>) => asRole(db.sql, "service_role", null, fn);

  describe("profiles", () => {
    it("a user reads only their own profile", async () => {
      const rows = await asA((tx) => tx`select user_id from public.profiles`);
      expect(rows.map((r) => r.user_id)).toEqual([userA]);
    });
    it("a user updates their own time zone only", async () => {
      expect(
        await asA((tx) => attempt(() => tx`update public.profiles set time_zone = 'Asia/Tokyo' returning 1`)),
      ).toBe("ok:1");
      expect(
        await asA((tx) =>
          attempt(
            () =>
              tx`update public.profiles set time_zone = 'Asia/Tokyo' where user_id = ${userB} returning 1`,
          ),
        ),
      ).toBe("ok:0");
      expect(await asA((tx) => attempt(() => tx`update public.profiles set is_active = false`))).toBe(
        PERMISSION_DENIED,
      );
      expect(
        await asA((tx) => attempt(() => tx`insert into public.profiles (user_id) values (${userB})`)),
      ).toBe(PERMISSION_DENIED);
      expect(await asA((tx) => attempt(() => tx`delete from public.profiles`))).toBe(PERMISSION_DENIED);
    });
    it("rejects an unknown time zone with a clear message", async () => {
      const error = await asA((tx) =>
        tx`update public.profiles set time_zone = 'Mars/Olympus'`.catch((e) => e),
      );
      expect(error.code).toBe("22023");
      expect(error.message).toBe('INVALID_TIME_ZONE: "Mars/Olympus" is not an IANA time zone name');
    });
  });

  // For each table: what user A sees of A's+B's rows, and whether A/anon may write.
  const userTables = ["recordings", "laughter_events"] as const;
  for (const table of userTables) {
    describe(table, () => {
      it("user A sees only A's rows; user B only B's", async () => {
        const a = await asA((tx) => tx`select user_id from ${tx("public." + table)}`);
        expect(new Set(a.map((r) => r.user_id))).toEqual(new Set([userA]));
        const b = await asRole(
          db.sql,
          "authenticated",
          userB,
          (tx) => tx`select user_id from ${tx("public." + table)}`,
        );
        expect(new Set(b.map((r) => r.user_id))).toEqual(new Set([userB]));
      });
      it("users cannot insert, move or delete rows", async () => {
        expect(
          await asA((tx) => attempt(() => tx`update ${tx("public." + table)} set user_id = user_id`)),
        ).toBe(PERMISSION_DENIED);
        expect(
          await asA((tx) => attempt(() => tx`insert into ${tx("public." + table)} default values`)),
        ).toBe(PERMISSION_DENIED);
        // Issue 21: a laugh deleted directly (PostgREST) left its clip object behind; only `me` deletes
        // laughs (user_api.delete_event), row and clip together.
        expect(await asA((tx) => attempt(() => tx`delete from ${tx("public." + table)}`))).toBe(
          PERMISSION_DENIED,
        );
      });
    });
  }

  it("users cannot write recordings even for themselves", async () => {
    const result = await asA((tx) =>
      attempt(
        () => tx`insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
                 values (${userA}, 'x', now(), now() + interval '1 minute', 'wav', 1)`,
      ),
    );
    expect(result).toBe(PERMISSION_DENIED);
  });

  it("job_runs are service-only", async () => {
    expect(await asA((tx) => attempt(() => tx`select * from public.job_runs`))).toBe(PERMISSION_DENIED);
    expect(await asAnon((tx) => attempt(() => tx`select * from public.job_runs`))).toBe(PERMISSION_DENIED);
    expect(await asService((tx) => attempt(() => tx`select * from public.job_runs`))).toBe("ok:2");
  });

  it("daily_summary shows a user only their own days", async () => {
    const rows = await asA((tx) => tx`select * from public.daily_summary`);
    expect(rows).toEqual([
      {
        user_id: userA,
        local_date: expect.any(Date),
        laughs: 1,
        laugh_seconds: "1.500",
        recordings_done: 1,
        recordings_pending: 0,
        recordings_failed: 0,
      },
    ]);
    expect(await asAnon((tx) => attempt(() => tx`select * from public.daily_summary`))).toBe(
      PERMISSION_DENIED,
    );
  });

  it("anon reads and writes nothing", async () => {
    for (const table of ["profiles", "recordings", "laughter_events", "job_runs", "daily_summary"]) {
      expect(await asAnon((tx) => attempt(() => tx`select * from ${tx("public." + table)}`))).toBe(
        PERMISSION_DENIED,
      );
    }
    expect(await asAnon((tx) => attempt(() => tx`delete from public.recordings`))).toBe(PERMISSION_DENIED);
    const [{ count }] = await db.sql`
      select count(*)::int from information_schema.role_table_grants
      where grantee = 'anon' and table_schema in ('public', 'queue', 'private')`;
    expect(count).toBe(0);
  });

  it("API users hold no privilege on any sequence in public", async () => {
    const [{ n }] = await db.sql`
      select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
      cross join (values ('anon'), ('authenticated')) as r(role)
      where s.nspname = 'public' and c.relkind = 'S'
        and has_sequence_privilege(r.role, c.oid, 'usage, select, update')`;
    expect(n).toBe(0);
  });

  it("API users can execute no function in public, queue or private", async () => {
    const executable = await db.sql`
      select s.nspname || '.' || p.proname as fn, r.role
      from pg_proc p join pg_namespace s on s.oid = p.pronamespace
      cross join (values ('anon'), ('authenticated')) as r(role)
      where s.nspname in ('public', 'queue', 'private') and has_function_privilege(r.role, p.oid, 'execute')`;
    expect(executable).toEqual([]);
  });

  it("objects created later in public give anon and authenticated nothing (default privileges revoked)", async () => {
    // As the role that runs migrations, in a transaction that is rolled back.
    const rollback = new Error("rollback");
    let privileges: readonly unknown[] = [];
    await db.sql
      .begin(async (tx) => {
        await tx`set local role postgres`;
        await tx`create table public.future_table (id bigint generated always as identity primary key)`;
        await tx`create function public.future_function() returns int language sql as 'select 1'`;
        await tx`create sequence public.future_sequence`;
        privileges = await tx`
          select r.role,
                 has_table_privilege(r.role, 'public.future_table', 'select, insert, update, delete') as tbl,
                 has_function_privilege(r.role, 'public.future_function()', 'execute') as fn,
                 has_sequence_privilege(r.role, 'public.future_sequence', 'usage, select, update') as seq,
                 has_sequence_privilege(r.role, 'public.future_table_id_seq', 'usage, select, update') as identity
          from (values ('anon'), ('authenticated')) as r(role) order by 1`;
        throw rollback;
      })
      .catch((error) => {
        if (error !== rollback) throw error;
      });
    expect(privileges).toEqual([
      { role: "anon", tbl: false, fn: false, seq: false, identity: false },
      { role: "authenticated", tbl: false, fn: false, seq: false, identity: false },
    ]);
    const defaults = await db.sql`
      select pg_get_userbyid(d.defaclrole) as owner, d.defaclobjtype as type, d.defaclacl::text as acl
      from pg_default_acl d
      where pg_get_userbyid(d.defaclrole) = 'postgres'
        and (d.defaclacl::text ~ '(^|[{,])(anon|authenticated)=' or (d.defaclobjtype = 'f' and d.defaclacl::text ~ '(^|[{,])=X'))`;
    expect(defaults).toEqual([]);
  });

  it("authenticated has SELECT, UPDATE(time_zone) and UPDATE(note) only", async () => {
    const grants = await db.sql`
      select table_name, privilege_type from information_schema.role_table_grants
      where grantee = 'authenticated' and table_schema = 'public' and privilege_type <> 'SELECT' order by 1, 2`;
    expect(grants).toEqual([]);
    const columns = await db.sql`
      select table_name, column_name, privilege_type from information_schema.column_privileges
      where grantee = 'authenticated' and table_schema = 'public' and privilege_type <> 'SELECT'
      order by 1, 2`;
    expect(columns).toEqual([
      { table_name: "laughter_events", column_name: "note", privilege_type: "UPDATE" },
      { table_name: "profiles", column_name: "time_zone", privilege_type: "UPDATE" },
    ]);
  });

  it("anon cannot reach the user API; it acts only on the caller", async () => {
    expect(await asAnon((tx) => attempt(() => tx`select * from user_api.delete_my_data()`))).toBe(
      PERMISSION_DENIED,
    );
    expect(
      await asAnon((tx) => attempt(() => tx`select * from user_api.days('2026-01-01', '2026-01-02')`)),
    ).toBe(PERMISSION_DENIED);
    // authenticated without a user in the claims: refused, not "everyone".
    expect(
      await asRole(db.sql, "authenticated", null, (tx) =>
        attempt(() => tx`select * from user_api.delete_my_data()`),
      ),
    ).toBe(PERMISSION_DENIED);
  });

  it("a user edits only their own laughs' notes", async () => {
    const mine = await asA((tx) => tx`update public.laughter_events set note = 'mine' returning user_id`);
    expect(new Set(mine.map((r) => r.user_id))).toEqual(new Set([userA]));
    const theirs = await asA(
      (tx) => tx`update public.laughter_events set note = 'x' where user_id = ${userB} returning 1`,
    );
    expect(theirs).toHaveLength(0);
    expect(await asA((tx) => attempt(() => tx`update public.laughter_events set peak_probability = 1`))).toBe(
      PERMISSION_DENIED,
    );
  });

  it("user_api.delete_event deletes only the caller's laugh", async () => {
    const [theirs] = await db.sql`select id from public.laughter_events where user_id = ${userB} limit 1`;
    const [mine] = await db.sql`select id from public.laughter_events where user_id = ${userA} limit 1`;
    const other = await asA((tx) => tx`select * from user_api.delete_event(${theirs.id})`);
    expect(other).toEqual([{ deleted: false, clip_object_key: null }]);
    const own = await asA((tx) => tx`select * from user_api.delete_event(${mine.id})`);
    expect(own).toEqual([{ deleted: true, clip_object_key: null }]);
  });

  it("clip keys stored before the prefix check are cleared (kept aside), and the check is validated", async () => {
    const [{ validated }] = await db.sql`
      select convalidated as validated from pg_constraint where conname = 'laughter_events_clip_object_key_own_prefix'`;
    expect(validated).toBe(true);
    const [recordingB] = await db.sql`select id from public.recordings where user_id = ${userB}`;
    const own = `${userB}/${recordingB.id}/100.wav`;
    const foreign = `${userA}/${recordingA}/100.wav`;
    const climbing = `${userB}/${recordingB.id}/../../${userA}/x.wav`;
    // Rows as they could be stored before 20261201002010: the check dropped, written, then re-added NOT VALID
    // (as that migration left it), all in a transaction that is rolled back.
    const rollback = new Error("rollback");
    const after = await db.sql
      .begin(async (tx) => {
        await tx`alter table public.laughter_events drop constraint laughter_events_clip_object_key_own_prefix`;
        const inserted = await tx<{ id: string; clip_object_key: string }[]>`
          insert into public.laughter_events (user_id, recording_id, starts_at, ends_at, start_offset_ms,
            end_offset_ms, peak_probability, mean_probability, class_id, class_name, clip_object_key, model_version)
          select ${userB}, ${recordingB.id}, now(), now() + interval '1 s', o, o + 1000, 0.9, 0.5, 13, 'Laughter', k, 'old'
          from unnest(${[own, foreign, climbing]}::text[], array[200000, 300000, 400000]) as t(k, o)
          returning id, clip_object_key`;
        await tx.file("supabase/migrations/20261201002010_clip_key_prefix.sql");
        const [{ cleared }] = await tx`select private.clear_foreign_clip_keys() as cleared`;
        await tx`alter table public.laughter_events validate constraint laughter_events_clip_object_key_own_prefix`;
        const rows = await tx`
          select e.clip_object_key as key, c.clip_object_key as kept
          from unnest(${inserted.map((row) => row.id)}::uuid[]) with ordinality as i(id, n)
          join public.laughter_events e on e.id = i.id
          left join private.clip_keys_cleared c on c.event_id = i.id
          order by i.n`;
        throw Object.assign(rollback, { result: { cleared, rows } });
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
        return (rollback as Error & { result: unknown }).result;
      });
    expect(after).toEqual({
      cleared: 2,
      rows: [
        { key: own, kept: null },
        { key: null, kept: foreign },
        { key: null, kept: climbing },
      ],
    });
  });

  it("service_role writes recordings and events", async () => {
    const result = await asService(async (tx) => {
      await tx`update public.recordings set source = 'device' where id = ${recordingA}`;
      await tx`delete from public.laughter_events where recording_id = ${recordingA}`;
      return tx`select count(*)::int as n from public.recordings`;
    });
    expect(result[0].n).toBe(2);
  });

  describe("queue and private schemas", () => {
    for (const role of ["anon", "authenticated"] as const) {
      it(`${role} cannot see the queue schema or call its functions`, async () => {
        const uid = role === "authenticated" ? userA : null;
        const visible = await asRole(
          db.sql,
          role,
          uid,
          (tx) => tx`
          select has_schema_privilege('queue', 'usage') as queue, has_schema_privilege('private', 'usage') as private`,
        );
        expect(visible[0]).toEqual({ queue: false, private: false });
        const calls = [
          () => tx_(role, uid, (tx) => tx`select * from queue.jobs`),
          () => tx_(role, uid, (tx) => tx`select * from queue.claim(1)`),
          () => tx_(role, uid, (tx) => tx`select queue.enqueue(${recordingA})`),
          () => tx_(role, uid, (tx) => tx`select queue.reprocess(${userA}, '2026-01-01', '2026-12-31')`),
          () => tx_(role, uid, (tx) => tx`select * from queue.sweep()`),
          () => tx_(role, uid, (tx) => tx`select queue.kick_dispatch()`),
          () => tx_(role, uid, (tx) => tx`select private.is_valid_time_zone('UTC')`),
        ];
        for (const call of calls) expect(await call()).toBe(PERMISSION_DENIED);
        // Not even through a function in public: nothing there is callable by them.
        const [{ n }] = await db.sql`
          select count(*)::int as n from pg_proc p join pg_namespace s on s.oid = p.pronamespace
          where s.nspname in ('queue', 'private') and has_function_privilege(${role}, p.oid, 'execute')`;
        expect(n).toBe(0);
      });
    }

    function tx_(
      role: "anon" | "authenticated",
      uid: string | null,
      fn: (tx: Sql) => Promise<readonly unknown[]>,
    ) {
      return asRole(db.sql, role, uid, (tx) => attempt(() => fn(tx)));
    }

    it("service_role calls the queue functions but cannot write queue tables directly", async () => {
      expect(await asService((tx) => attempt(() => tx`select * from queue.claim(1)`))).toBe("ok:0");
      expect(await asService((tx) => attempt(() => tx`select * from queue.jobs`))).toBe("ok:2");
      expect(await asService((tx) => attempt(() => tx`delete from queue.jobs`))).toBe(PERMISSION_DENIED);
      const [{ n }] = await db.sql`
        select count(*)::int as n from pg_proc p join pg_namespace s on s.oid = p.pronamespace
        where s.nspname = 'private' and has_function_privilege('service_role', p.oid, 'execute')`;
      expect(n).toBe(0);
    });
  });
});
