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
 * minute), BENCH_NODE_CAPACITY=13 (a real node's NODE_CONCURRENCY 1 + NODE_MAX_QUEUED_JOBS 12),
 * DISPATCH_MAX_JOBS (default: the function's own, 300), BENCH_LOAD_SECONDS=600.
 */
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import postgres from "postgres";
import { z } from "zod";
import type { DenoServer } from "../harness/deno.ts";
import { buildTemplateCluster, startClusterFromTemplate } from "../harness/postgres-cluster.ts";
import { startS3 } from "../harness/s3.ts";
import { seedNight, simulateNight, startDispatch } from "./night-simulation.ts";
import { startStubNode } from "./stub-node.ts";

const positive = z.coerce.number().positive();
const env = z
  .object({
    BENCH_USERS: positive.int().default(10_000),
    BENCH_WINDOWS: positive.int().max(12).default(12),
    BENCH_NODES: positive.int().default(4),
    BENCH_CAPACITY_HOURS: positive.default(8),
    BENCH_JOB_SECONDS: positive.optional(),
    BENCH_KICK_SECONDS: positive.default(60),
    BENCH_NODE_CAPACITY: positive.int().default(13),
    // Unset: the function's own default.
    DISPATCH_MAX_JOBS: positive.int().max(1000).optional(),
    BENCH_LOAD_SECONDS: positive.default(600),
  })
  .parse(process.env);

const totalJobs = env.BENCH_USERS * env.BENCH_WINDOWS;
const maxJobs = env.DISPATCH_MAX_JOBS ?? "the function's default";
const jobSeconds = env.BENCH_JOB_SECONDS ?? (env.BENCH_NODES * env.BENCH_CAPACITY_HOURS * 3600) / totalJobs;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
log(
  `${env.BENCH_USERS} users × ${env.BENCH_WINDOWS} windows = ${totalJobs} jobs; ${env.BENCH_NODES} stub nodes, ` +
    `${jobSeconds.toFixed(3)} s of node time per job, room ${env.BENCH_NODE_CAPACITY} per node; kick every ` +
    `${env.BENCH_KICK_SECONDS} s (simulated), DISPATCH_MAX_JOBS ${maxJobs}`,
);

const templateDir = await buildTemplateCluster();
const db = await startClusterFromTemplate(templateDir);
rmSync(templateDir, { recursive: true, force: true });
const sql = postgres(db.url, { max: 4, onnotice: () => {} });
const admin = postgres(db.adminUrl, { max: 1, onnotice: () => {} });
const s3 = await startS3();
const nodes = await Promise.all(
  Array.from({ length: env.BENCH_NODES }, () =>
    startStubNode({ jobSeconds, capacity: env.BENCH_NODE_CAPACITY }),
  ),
);
let dispatch: DenoServer | undefined;
try {
  await sql`select cron.alter_job(jobid, active := false) from cron.job`;
  const setupStarted = performance.now();
  const queued = await seedNight(sql, admin, { users: env.BENCH_USERS, windows: env.BENCH_WINDOWS }).finally(
    () => admin.end({ timeout: 5 }),
  );
  log(`set up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s: ${queued} jobs queued`);
  dispatch = await startDispatch({
    dbUrl: db.url,
    s3,
    nodes,
    maxJobsPerKick: env.DISPATCH_MAX_JOBS,
  });

  const night = await simulateNight({
    sql,
    dispatch,
    nodes,
    totalJobs,
    kickSeconds: env.BENCH_KICK_SECONDS,
    wallBoundMs: env.BENCH_LOAD_SECONDS * 1000,
    onKick: ({ kicks, completed, simulatedSeconds }) => {
      if (kicks % 100 !== 0) return;
      log(
        `kick ${kicks}: ${completed}/${totalJobs} done at ${(simulatedSeconds / 3600).toFixed(2)} simulated h, ` +
          `load ${loadavg()[0].toFixed(2)}`,
      );
    },
  });
  const cpu = night.cpuPerKick;
  const quantile = (q: number) => cpu[Math.min(cpu.length - 1, Math.floor(q * cpu.length))] ?? 0;
  const meanCpu = cpu.reduce((sum, value) => sum + value, 0) / Math.max(1, cpu.length);
  const neededPerKick = (env.BENCH_KICK_SECONDS / jobSeconds) * env.BENCH_NODES;
  let bottleneck: string;
  if (night.busyFraction >= 0.95) bottleneck = "the nodes themselves (dispatch keeps them busy)";
  else if (night.cappedKicks >= night.roomLimitedKicks && night.cappedKicks > night.kicks / 2) {
    bottleneck =
      `DISPATCH_MAX_JOBS: ${maxJobs} jobs per kick, where the nodes finish ` +
      `${neededPerKick.toFixed(0)} per ${env.BENCH_KICK_SECONDS} s`;
  } else {
    bottleneck =
      `room per node per kick: ${env.BENCH_NODE_CAPACITY} (NODE_CONCURRENCY + NODE_MAX_QUEUED_JOBS) × ` +
      `${env.BENCH_NODES} nodes, where the nodes finish ${neededPerKick.toFixed(0)} per ${env.BENCH_KICK_SECONDS} s kick`;
  }
  const ms = (seconds: number) => (seconds * 1000).toFixed(0);
  const rows: [string, string][] = [
    ["jobs (users × windows)", `${totalJobs} (${env.BENCH_USERS} × ${env.BENCH_WINDOWS})`],
    [
      "nodes × room, node time per job",
      `${env.BENCH_NODES} × ${env.BENCH_NODE_CAPACITY}, ${jobSeconds.toFixed(3)} s`,
    ],
    ["kick cadence, DISPATCH_MAX_JOBS", `${env.BENCH_KICK_SECONDS} s, ${maxJobs}`],
    [
      "dispatch calls (kicks)",
      `${night.kicks} in ${night.wallSeconds.toFixed(0)} s wall (${night.drained ? "night drained" : "stopped at the wall-time bound"})`,
    ],
    ["jobs claimed / completed", `${night.claimed} / ${night.completed}`],
    ["claims per second (claimed ÷ dispatch wall time)", night.claimsPerSecond.toFixed(0)],
    ["dispatch wall per kick (mean)", `${night.dispatchWallMsPerKick.toFixed(0)} ms`],
    [
      "Edge CPU per kick (mean / p95 / max)",
      `${ms(meanCpu)} / ${ms(quantile(0.95))} / ${ms(cpu.at(-1) ?? 0)} ms`,
    ],
    [
      "DB connections (most at once; per application)",
      `${night.maxConnections}; ${[...night.connectionsByApplication].map(([name, count]) => `${name} ${count}`).join(", ")}`,
    ],
    ["node busy fraction", `${(night.busyFraction * 100).toFixed(1)} %`],
    [
      "simulated hours to drain the night",
      `${night.hoursToDrain.toFixed(1)} h${night.drained ? "" : " (projected)"} against ${env.BENCH_CAPACITY_HOURS} h of node capacity`,
    ],
    ["bottleneck", bottleneck],
    ["load average (1 min) at the end", loadavg()[0].toFixed(2)],
  ];
  if (night.nodeErrors.size > 0) {
    rows.push([
      "node errors",
      [...night.nodeErrors].map(([error, count]) => `${error} × ${count}`).join("; "),
    ]);
  }
  console.log("\n| figure | value |\n| --- | --- |");
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
} finally {
  await dispatch?.stop();
  await Promise.all(nodes.map((node) => node.close()));
  await s3.stop();
  await sql.end({ timeout: 5 });
  await db.stop();
}
