/**
 * `npm run bench:load`: the queue and the dispatch function under a night's load, with stub nodes (no
 * inference, `stub-node.ts`). Not part of `npm test`.
 *
 * A throwaway PostgreSQL 15 (every migration) gets BENCH_USERS users with BENCH_WINDOWS recordings each
 * (2-hour windows of their yesterday, as ingest stores them); `queue.sweep()` queues them; the real
 * `dispatch` function (Deno) is kicked as pg_cron would, every BENCH_KICK_SECONDS of *simulated* time, and
 * hands jobs to BENCH_NODES stub nodes; between kicks each node spends that much simulated time on its
 * jobs (BENCH_JOB_SECONDS each; by default the night's work is exactly BENCH_CAPACITY_HOURS of the nodes'
 * time) and the finished ones are reported with `queue.complete` (the public SQL API the report function
 * calls). So the night takes BENCH_CAPACITY_HOURS of simulated time exactly when dispatch keeps every node
 * busy, and longer by however much it starves them.
 *
 * Printed: claims per second (jobs claimed ÷ dispatch wall time), dispatch calls, the dispatch function's
 * CPU per kick (its Deno process's user + system time; Supabase allows an Edge invocation about 2 s), the
 * most database connections seen (pg_stat_activity, per application), node busy fraction, simulated hours
 * to drain the night, and the bottleneck. Bounded: it stops after BENCH_LOAD_SECONDS of wall time and
 * projects the rest from the rate so far.
 *
 * Options (env): BENCH_USERS=10000, BENCH_WINDOWS=12, BENCH_NODES=4, BENCH_CAPACITY_HOURS=8,
 * BENCH_JOB_SECONDS (default: from the capacity), BENCH_KICK_SECONDS=60 (production: pg_cron every
 * minute), BENCH_NODE_CAPACITY=9 (a real node's NODE_CONCURRENCY 1 + NODE_MAX_QUEUED_JOBS 8),
 * DISPATCH_MAX_JOBS=50 (the function's default), BENCH_LOAD_SECONDS=600.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import postgres from "postgres";
import { z } from "zod";
import { startDenoServer } from "../harness/deno.ts";
import { buildTemplateCluster, startClusterFromTemplate } from "../harness/postgres-cluster.ts";
import { startS3, storageEnv } from "../harness/s3.ts";
import { type StubJob, startStubNode } from "./stub-node.ts";

const positive = z.coerce.number().positive();
const env = z
  .object({
    BENCH_USERS: positive.int().default(10_000),
    BENCH_WINDOWS: positive.int().max(12).default(12),
    BENCH_NODES: positive.int().default(4),
    BENCH_CAPACITY_HOURS: positive.default(8),
    BENCH_JOB_SECONDS: positive.optional(),
    BENCH_KICK_SECONDS: positive.default(60),
    BENCH_NODE_CAPACITY: positive.int().default(9),
    DISPATCH_MAX_JOBS: positive.int().max(1000).default(50),
    BENCH_LOAD_SECONDS: positive.default(600),
  })
  .parse(process.env);

const totalJobs = env.BENCH_USERS * env.BENCH_WINDOWS;
const jobSeconds = env.BENCH_JOB_SECONDS ?? (env.BENCH_NODES * env.BENCH_CAPACITY_HOURS * 3600) / totalJobs;
const DISPATCH_TOKEN = "load-bench-dispatch-token-0123456789";
const INFER_SECRET = "load-bench-infer-secret-0123456789abcdef0";

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat; [1] split off the first two.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
log(
  `${env.BENCH_USERS} users × ${env.BENCH_WINDOWS} windows = ${totalJobs} jobs; ${env.BENCH_NODES} stub nodes, ` +
    `${jobSeconds.toFixed(3)} s of node time per job, room ${env.BENCH_NODE_CAPACITY} per node; kick every ` +
    `${env.BENCH_KICK_SECONDS} s (simulated), DISPATCH_MAX_JOBS ${env.DISPATCH_MAX_JOBS}`,
);

const db = await startClusterFromTemplate(await buildTemplateCluster());
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
const s3 = await startS3();
const nodes = await Promise.all(
  Array.from({ length: env.BENCH_NODES }, () =>
    startStubNode({ jobSeconds, capacity: env.BENCH_NODE_CAPACITY }),
  ),
);
let dispatch: Awaited<ReturnType<typeof startDenoServer>> | undefined;
try {
  await sql`select cron.alter_job(jobid, active := false) from cron.job`;
  const setupStarted = performance.now();
  // Yesterday in UTC; every user in UTC, so the sweep finds the whole night finished.
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await sql`
    insert into auth.users (email, raw_user_meta_data)
    select 'load-' || g || '@example.test', '{"time_zone":"UTC"}'::jsonb
    from generate_series(1, ${env.BENCH_USERS}::int) g`;
  await sql`
    insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
    select p.user_id, p.user_id || '/' || gen_random_uuid() || '.ogg',
           ${day}::timestamptz + w * interval '2 hours', ${day}::timestamptz + (w + 1) * interval '2 hours',
           'ogg-opus', 21600000
    from public.profiles p cross join generate_series(0, ${env.BENCH_WINDOWS - 1}::int) w`;
  const [swept] = await sql`select * from queue.sweep(${day}::timestamptz + interval '1 day 3 hours')`;
  log(
    `set up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s: ${swept.days_swept} days swept, ` +
      `${swept.jobs_enqueued} jobs queued`,
  );

  dispatch = await startDenoServer("supabase/functions/dispatch/index.ts", {
    config: "supabase/functions/deno.json",
    env: {
      SUPABASE_DB_URL: db.url,
      DISPATCH_TOKEN,
      INFERENCE_NODE_URLS: nodes.map((node) => node.url).join(","),
      INFER_SIGNING_SECRET: INFER_SECRET,
      REPORT_URL: "http://127.0.0.1:9/report",
      DISPATCH_MAX_JOBS: String(env.DISPATCH_MAX_JOBS),
      ...storageEnv(s3),
    },
  });
  const pid = dispatch.process.pid;
  if (pid === undefined) throw new Error("the dispatch function has no process id");

  const dispatchResultSchema = z.object({
    claimed: z.number(),
    accepted: z.number(),
    nodes: z.array(z.object({ free: z.number(), claimed: z.number(), error: z.string().optional() })),
  });
  const started = performance.now();
  let simulatedSeconds = 0;
  let kicks = 0;
  let claimed = 0;
  let completed = 0;
  let dispatchWallMs = 0;
  let busySeconds = 0;
  let cappedKicks = 0;
  let roomLimitedKicks = 0;
  const cpuPerKick: number[] = [];
  const connections = new Map<string, number>();
  let maxConnections = 0;
  const nodeErrors = new Map<string, number>();
  while (completed < totalJobs && performance.now() - started < env.BENCH_LOAD_SECONDS * 1000) {
    const cpuBefore = cpuSeconds(pid);
    const kickStarted = performance.now();
    const response = await fetch(`${dispatch.url}/dispatch?wait=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${DISPATCH_TOKEN}`, "content-type": "application/json" },
      body: "{}",
    });
    const result = dispatchResultSchema.parse(await response.json());
    dispatchWallMs += performance.now() - kickStarted;
    cpuPerKick.push(cpuSeconds(pid) - cpuBefore);
    kicks++;
    claimed += result.claimed;
    const free = result.nodes.reduce((sum, node) => sum + node.free, 0);
    if (result.claimed >= env.DISPATCH_MAX_JOBS) cappedKicks++;
    else if (result.claimed >= free && free > 0) roomLimitedKicks++;
    for (const node of result.nodes) {
      if (node.error !== undefined) nodeErrors.set(node.error, (nodeErrors.get(node.error) ?? 0) + 1);
    }
    const activity = await sql<{ application: string; count: number }[]>`
      select coalesce(nullif(application_name, ''), backend_type, 'other') as application, count(*)::int as count
      from pg_stat_activity where datname is not null group by 1`;
    const total = activity.reduce((sum, row) => sum + row.count, 0);
    maxConnections = Math.max(maxConnections, total);
    for (const row of activity)
      connections.set(row.application, Math.max(connections.get(row.application) ?? 0, row.count));

    // The nodes work until the next kick; what they finish is reported as the report function would.
    simulatedSeconds += env.BENCH_KICK_SECONDS;
    const finished: StubJob[] = [];
    for (const node of nodes) {
      const step = node.advance(env.BENCH_KICK_SECONDS);
      busySeconds += step.busySeconds;
      finished.push(...step.finished);
    }
    if (finished.length > 0) {
      await sql`
        select queue.complete(j.id, j.token, '[]'::jsonb, '{"nodeId":"stub"}'::jsonb, 'stub@1')
        from unnest(${finished.map((job) => job.jobId)}::bigint[], ${finished.map((job) => job.leaseToken)}::uuid[])
          as j(id, token)`;
      completed += finished.length;
    }
    if (kicks % 100 === 0) {
      log(
        `kick ${kicks}: ${completed}/${totalJobs} done at ${(simulatedSeconds / 3600).toFixed(2)} simulated h, ` +
          `load ${loadavg()[0].toFixed(2)}`,
      );
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const drained = completed >= totalJobs;
  const busyFraction = busySeconds / (simulatedSeconds * env.BENCH_NODES);
  const jobsPerSimulatedHour = completed / (simulatedSeconds / 3600);
  const hoursToDrain = drained ? simulatedSeconds / 3600 : totalJobs / jobsPerSimulatedHour;
  const sortedCpu = [...cpuPerKick].sort((a, b) => a - b);
  const quantile = (q: number) =>
    sortedCpu[Math.min(sortedCpu.length - 1, Math.floor(q * sortedCpu.length))] ?? 0;
  const meanCpu = cpuPerKick.reduce((sum, value) => sum + value, 0) / Math.max(1, cpuPerKick.length);
  const neededPerKick = (env.BENCH_KICK_SECONDS / jobSeconds) * env.BENCH_NODES;
  let bottleneck: string;
  if (busyFraction >= 0.95) bottleneck = "the nodes themselves (dispatch keeps them busy)";
  else if (cappedKicks >= roomLimitedKicks && cappedKicks > kicks / 2) {
    bottleneck =
      `DISPATCH_MAX_JOBS: ${env.DISPATCH_MAX_JOBS} jobs per kick, where the nodes finish ` +
      `${neededPerKick.toFixed(0)} per ${env.BENCH_KICK_SECONDS} s`;
  } else {
    bottleneck =
      `room per node per kick: ${env.BENCH_NODE_CAPACITY} (NODE_CONCURRENCY + NODE_MAX_QUEUED_JOBS) × ` +
      `${env.BENCH_NODES} nodes, where the nodes finish ${neededPerKick.toFixed(0)} per ${env.BENCH_KICK_SECONDS} s kick`;
  }

  console.log("");
  console.log(`| figure | value |`);
  console.log(`| --- | --- |`);
  console.log(`| jobs (users × windows) | ${totalJobs} (${env.BENCH_USERS} × ${env.BENCH_WINDOWS}) |`);
  console.log(
    `| nodes × room, node time per job | ${env.BENCH_NODES} × ${env.BENCH_NODE_CAPACITY}, ${jobSeconds.toFixed(3)} s |`,
  );
  console.log(`| kick cadence, DISPATCH_MAX_JOBS | ${env.BENCH_KICK_SECONDS} s, ${env.DISPATCH_MAX_JOBS} |`);
  console.log(
    `| dispatch calls (kicks) | ${kicks} in ${wallSeconds.toFixed(0)} s wall (${drained ? "night drained" : "stopped at the wall-time bound"}) |`,
  );
  console.log(`| jobs claimed / completed | ${claimed} / ${completed} |`);
  console.log(
    `| claims per second (claimed ÷ dispatch wall time) | ${(claimed / (dispatchWallMs / 1000)).toFixed(0)} |`,
  );
  console.log(`| dispatch wall per kick (mean) | ${(dispatchWallMs / kicks).toFixed(0)} ms |`);
  console.log(
    `| Edge CPU per kick (mean / p95 / max) | ${(meanCpu * 1000).toFixed(0)} / ${(quantile(0.95) * 1000).toFixed(0)} / ${((sortedCpu.at(-1) ?? 0) * 1000).toFixed(0)} ms |`,
  );
  console.log(
    `| DB connections (most at once; per application) | ${maxConnections}; ${[...connections].map(([name, count]) => `${name} ${count}`).join(", ")} |`,
  );
  console.log(`| node busy fraction | ${(busyFraction * 100).toFixed(1)} % |`);
  console.log(
    `| simulated hours to drain the night | ${hoursToDrain.toFixed(1)} h${drained ? "" : " (projected)"} against ${env.BENCH_CAPACITY_HOURS} h of node capacity |`,
  );
  console.log(`| bottleneck | ${bottleneck} |`);
  if (nodeErrors.size > 0)
    console.log(
      `| node errors | ${[...nodeErrors].map(([error, count]) => `${error} × ${count}`).join("; ")} |`,
    );
  console.log(`| load average (1 min) at the end | ${loadavg()[0].toFixed(2)} |`);
} finally {
  await dispatch?.stop();
  await Promise.all(nodes.map((node) => node.close()));
  await s3.stop();
  await sql.end({ timeout: 5 });
  await db.stop();
}
