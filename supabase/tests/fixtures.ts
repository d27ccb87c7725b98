/**
 * @module
 * Shared helpers for the supabase/ integration tests: users, recordings, acting as a role.
 */
import type postgres from "postgres";

export type Sql = postgres.Sql | postgres.TransactionSql;

/** Creates an auth user (the sign-up trigger creates the profile) and returns its id. */
export async function createUser(sql: Sql, timeZone?: string): Promise<string> {
  const meta = timeZone === undefined ? {} : { time_zone: timeZone };
  const [row] = await sql`
    insert into auth.users (email, raw_user_meta_data)
    values (${`${crypto.randomUUID()}@example.test`}, ${sql.json(meta)})
    returning id`;
  return row.id as string;
}

export interface RecordingInput {
  userId: string;
  startedAt: string | Date;
  durationMinutes?: number;
  format?: string;
}

/** Inserts a recording as the service would (superuser) and returns its id and local_date. */
export async function createRecording(
  sql: Sql,
  { userId, startedAt, durationMinutes = 30, format = "ogg-opus" }: RecordingInput,
): Promise<{ id: string; localDate: string; status: string }> {
  const start = new Date(startedAt);
  const end = new Date(start.getTime() + durationMinutes * 60_000);
  const [row] = await sql`
    insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
    values (${userId}, ${`${userId}/${crypto.randomUUID()}.ogg`}, ${start}, ${end}, ${format}, 1000)
    returning id, local_date::text as local_date, status`;
  return { id: row.id, localDate: row.local_date, status: row.status };
}

/**
 * Runs `fn` in a transaction as `role` (anon / authenticated / service_role) with the JWT claims
 * PostgREST would set. The transaction is rolled back afterwards, so writes never leak between cases.
 */
export async function asRole<T>(
  sql: postgres.Sql,
  role: "anon" | "authenticated" | "service_role",
  userId: string | null,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  const rollback = new Error("rollback");
  try {
    await sql.begin(async (tx) => {
      const claims = userId ? { sub: userId, role } : { role };
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      await tx.unsafe(`set local role ${role}`);
      result = await fn(tx);
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return result as T;
}

/** Stops the pg_cron jobs from firing during a test file, so background reaps/sweeps cannot race it. */
export async function pauseCron(sql: postgres.Sql): Promise<void> {
  // cron.job is read-only to postgres on Supabase (and in the mirror): jobs change through cron.alter_job.
  await sql`select cron.alter_job(jobid, active := false) from cron.job`;
}

/** A laughter event as queue.complete() expects it. */
export function event(startOffsetMs: number, endOffsetMs = startOffsetMs + 1500, clip: string | null = null) {
  return {
    start_offset_ms: startOffsetMs,
    end_offset_ms: endOffsetMs,
    peak_probability: 0.9,
    mean_probability: 0.6,
    class_id: 13,
    class_name: "Laughter",
    clip_object_key: clip,
  };
}
