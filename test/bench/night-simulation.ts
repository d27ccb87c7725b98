/**
 * @module
 * A night of queue + dispatch in simulated time, shared by `npm run bench:load` (load-bench.ts) and its
 * tiny integration test: {@link seedNight} queues users × windows through `queue.sweep()`,
 * {@link startDispatch} runs the real `dispatch` function under Deno against stub nodes (stub-node.ts), and
 * {@link simulateNight} kicks it every `kickSeconds` of simulated time, lets the nodes work that long,
 * completes their finished jobs with `queue.complete` (what the report function calls) and measures.
 */
import { readFileSync } from "node:fs";
import type postgres from "postgres";
import { z } from "zod";
import { type DenoServer, startDenoServer } from "../harness/deno.ts";
import { type S3Endpoint, storageEnv } from "../harness/s3.ts";
import type { StubJob, StubNode } from "./stub-node.ts";

const DISPATCH_TOKEN = "night-simulation-dispatch-token-0123456789";
const INFER_SECRET = "night-simulation-infer-secret-0123456789abc";

/**
 * Queues `users` users' nights of `windows` two-hour recordings (their yesterday in UTC) with
 * `queue.sweep()`; returns the number of jobs queued. Users and profiles go in with triggers off (as the
 * superuser, `adminUrl`): sign-up is not what is measured, and its time-zone check reads
 * pg_timezone_names (tens of ms per user).
 */
export async function seedNight(
  sql: postgres.Sql,
  adminSql: postgres.Sql,
  { users, windows }: { users: number; windows: number },
): Promise<number> {
  await adminSql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      with created as (
        insert into auth.users (email, raw_user_meta_data)
        select 'night-' || gen_random_uuid() || '@example.test', '{"time_zone":"UTC"}'::jsonb
        from generate_series(1, ${users}::int)
        returning id
      )
      insert into public.profiles (user_id, time_zone) select id, 'UTC' from created`;
  });
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await sql`
    insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
    select p.user_id, p.user_id || '/' || gen_random_uuid() || '.ogg',
           ${day}::timestamptz + w * interval '2 hours', ${day}::timestamptz + (w + 1) * interval '2 hours',
           'ogg-opus', 21600000
    from public.profiles p cross join generate_series(0, ${windows - 1}::int) w
    where p.user_id in (select id from auth.users where email like 'night-%')
      and not exists (select 1 from public.recordings r where r.user_id = p.user_id)`;
  const [swept] = await sql<{ jobs_enqueued: number }[]>`
    select jobs_enqueued from queue.sweep(${day}::timestamptz + interval '1 day 3 hours')`;
  return swept.jobs_enqueued;
}

/** The real dispatch function under Deno, sending to `nodes`; reports go nowhere (the stubs never send). */
export async function startDispatch(options: {
  dbUrl: string;
  s3: S3Endpoint;
  nodes: StubNode[];
  /** DISPATCH_MAX_JOBS; the function's default when undefined. */
  maxJobsPerKick: number | undefined;
}): Promise<DenoServer> {
  return await startDenoServer("supabase/functions/dispatch/index.ts", {
    config: "supabase/functions/deno.json",
    env: {
      SUPABASE_DB_URL: options.dbUrl,
      DISPATCH_TOKEN,
      INFERENCE_NODE_URLS: options.nodes.map((node) => node.url).join(","),
      INFER_SIGNING_SECRET: INFER_SECRET,
      REPORT_URL: "http://127.0.0.1:9/report",
      ...(options.maxJobsPerKick === undefined ? {} : { DISPATCH_MAX_JOBS: String(options.maxJobsPerKick) }),
      ...storageEnv(options.s3),
    },
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat; the split dropped the first two.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const dispatchResultSchema = z.object({
  claimed: z.number(),
  nodes: z.array(z.object({ free: z.number(), error: z.string().optional() })),
});

export interface NightOptions {
  sql: postgres.Sql;
  dispatch: DenoServer;
  nodes: StubNode[];
  totalJobs: number;
  kickSeconds: number;
  /** Wall-time bound: the simulation stops here and projects the rest. */
  wallBoundMs: number;
  /** Stop after this many kicks (default: no limit). */
  maxKicks?: number;
  onKick?: (progress: { kicks: number; completed: number; simulatedSeconds: number }) => void;
}

export interface NightFigures {
  kicks: number;
  wallSeconds: number;
  drained: boolean;
  claimed: number;
  completed: number;
  claimsPerSecond: number;
  dispatchWallMsPerKick: number;
  /** Edge CPU per kick, seconds, sorted ascending. */
  cpuPerKick: number[];
  maxConnections: number;
  connectionsByApplication: Map<string, number>;
  /** Node time spent ÷ node time available. */
  busyFraction: number;
  /** Simulated hours to drain the night (projected when it stopped early). */
  hoursToDrain: number;
  /**
   * Kicks that left room the nodes offered unused while jobs were still waiting (DISPATCH_MAX_JOBS ran out),
   * and kicks that used all the room offered.
   */
  cappedKicks: number;
  roomLimitedKicks: number;
  nodeErrors: Map<string, number>;
}

export async function simulateNight(options: NightOptions): Promise<NightFigures> {
  const { sql, dispatch, nodes, kickSeconds } = options;
  const pid = dispatch.process.pid;
  if (pid === undefined) throw new Error("the dispatch function has no process id");
  const started = performance.now();
  const figures: NightFigures = {
    kicks: 0,
    wallSeconds: 0,
    drained: false,
    claimed: 0,
    completed: 0,
    claimsPerSecond: 0,
    dispatchWallMsPerKick: 0,
    cpuPerKick: [],
    maxConnections: 0,
    connectionsByApplication: new Map(),
    busyFraction: 0,
    hoursToDrain: 0,
    cappedKicks: 0,
    roomLimitedKicks: 0,
    nodeErrors: new Map(),
  };
  let simulatedSeconds = 0;
  let dispatchWallMs = 0;
  let busySeconds = 0;
  const maxKicks = options.maxKicks ?? Number.POSITIVE_INFINITY;
  while (
    figures.completed < options.totalJobs &&
    figures.kicks < maxKicks &&
    performance.now() - started < options.wallBoundMs
  ) {
    const cpuBefore = cpuSeconds(pid);
    const kickStarted = performance.now();
    const response = await fetch(`${dispatch.url}/dispatch?wait=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${DISPATCH_TOKEN}`, "content-type": "application/json" },
      body: "{}",
    });
    const result = dispatchResultSchema.parse(await response.json());
    dispatchWallMs += performance.now() - kickStarted;
    figures.cpuPerKick.push(cpuSeconds(pid) - cpuBefore);
    figures.kicks++;
    figures.claimed += result.claimed;
    const free = result.nodes.reduce((sum, node) => sum + node.free, 0);
    if (result.claimed < free && figures.claimed < options.totalJobs) figures.cappedKicks++;
    else if (result.claimed >= free && free > 0) figures.roomLimitedKicks++;
    for (const node of result.nodes) {
      if (node.error !== undefined) {
        figures.nodeErrors.set(node.error, (figures.nodeErrors.get(node.error) ?? 0) + 1);
      }
    }
    const activity = await sql<{ application: string; count: number }[]>`
      select coalesce(nullif(application_name, ''), backend_type, 'other') as application, count(*)::int as count
      from pg_stat_activity where datname is not null group by 1`;
    figures.maxConnections = Math.max(
      figures.maxConnections,
      activity.reduce((sum, row) => sum + row.count, 0),
    );
    for (const row of activity) {
      const seen = figures.connectionsByApplication.get(row.application) ?? 0;
      figures.connectionsByApplication.set(row.application, Math.max(seen, row.count));
    }

    // The nodes work until the next kick; what they finish is reported as the report function would.
    simulatedSeconds += kickSeconds;
    const finished: StubJob[] = [];
    for (const node of nodes) {
      const step = node.advance(kickSeconds);
      busySeconds += step.busySeconds;
      finished.push(...step.finished);
    }
    if (finished.length > 0) {
      await sql`
        select queue.complete(j.id, j.token, '[]'::jsonb, '{"nodeId":"stub"}'::jsonb, 'stub@1')
        from unnest(${finished.map((job) => job.jobId)}::bigint[], ${finished.map((job) => job.leaseToken)}::uuid[])
          as j(id, token)`;
      figures.completed += finished.length;
    }
    options.onKick?.({ kicks: figures.kicks, completed: figures.completed, simulatedSeconds });
  }
  figures.wallSeconds = (performance.now() - started) / 1000;
  figures.drained = figures.completed >= options.totalJobs;
  figures.claimsPerSecond = figures.claimed / (dispatchWallMs / 1000);
  figures.dispatchWallMsPerKick = dispatchWallMs / Math.max(1, figures.kicks);
  figures.cpuPerKick.sort((a, b) => a - b);
  figures.busyFraction = busySeconds / (simulatedSeconds * nodes.length);
  figures.hoursToDrain = figures.drained
    ? simulatedSeconds / 3600
    : options.totalJobs / (figures.completed / (simulatedSeconds / 3600));
  return figures;
}
