/**
 * The tiny version of `npm run bench:load`: queue + the real dispatch function (Deno) against two stub
 * nodes in simulated time. Dispatch keeps the nodes busy when each kick may hand them what they finish
 * before the next one, and the figures show it starving them when DISPATCH_MAX_JOBS is too small.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../harness/database.ts";
import type { DenoServer } from "../harness/deno.ts";
import { type S3Endpoint, startS3 } from "../harness/s3.ts";
import { seedNight, simulateNight, startDispatch } from "./night-simulation.ts";
import { type StubNode, startStubNode } from "./stub-node.ts";

const USERS = 8;
const WINDOWS = 3;
const JOB_SECONDS = 30;
const KICK_SECONDS = 60;

let db: TestDatabase;
let s3: S3Endpoint;
const started: { stop(): Promise<void> }[] = [];
beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await db.sql`select cron.alter_job(jobid, active := false) from cron.job`;
});
afterAll(async () => {
  for (const thing of started.reverse()) await thing.stop();
  await s3?.stop();
  await db?.stop();
});

/** Queues `users` new users' nights (WINDOWS jobs each); returns the jobs queued. */
async function queueNight(users: number): Promise<number> {
  const admin = postgres(db.cluster.adminUrl, { max: 1, onnotice: () => {} });
  return await seedNight(db.sql, admin, { users, windows: WINDOWS }).finally(() => admin.end());
}

async function night(maxJobsPerKick: number) {
  const queued = await queueNight(USERS);
  expect(queued).toBe(USERS * WINDOWS);
  const nodes: StubNode[] = await Promise.all(
    [1, 2].map(() => startStubNode({ jobSeconds: JOB_SECONDS, capacity: 4 })),
  );
  started.push(...nodes.map((node) => ({ stop: () => node.close() })));
  const dispatch: DenoServer = await startDispatch({ dbUrl: db.url, s3, nodes, maxJobsPerKick });
  started.push(dispatch);
  return await simulateNight({
    sql: db.sql,
    dispatch,
    nodes,
    totalJobs: queued,
    kickSeconds: KICK_SECONDS,
    wallBoundMs: 60_000,
  });
}

describe("a night of queue + dispatch with stub nodes", () => {
  it("keeps both nodes busy when a kick may hand them what they finish before the next", async () => {
    const figures = await night(50);
    expect(figures.drained).toBe(true);
    expect(figures.claimed).toBe(USERS * WINDOWS);
    expect(figures.busyFraction).toBe(1);
    // 24 jobs × 30 s over 2 nodes = 6 simulated minutes: 6 kicks, every node busy in each.
    expect(figures.hoursToDrain).toBeCloseTo(6 / 60, 5);
    expect(figures.cpuPerKick).toHaveLength(figures.kicks);
    expect(figures.connectionsByApplication.get("giggles-dispatch")).toBeGreaterThanOrEqual(1);
  });

  it("starves them, and counts the capped kicks, when DISPATCH_MAX_JOBS is 1", async () => {
    const figures = await night(1);
    expect(figures.drained).toBe(true);
    // One 30 s job a minute for two nodes: a quarter of their time.
    expect(figures.busyFraction).toBeLessThan(0.3);
    expect(figures.cappedKicks).toBeGreaterThanOrEqual(figures.kicks - 1);
  });

  it("fills 24 nodes' room in one kick with the default DISPATCH_MAX_JOBS (issue 21: it was 50)", async () => {
    // README "Capacity": 24 nodes at 5.5 s a job finish 262 jobs a minute; each offers 13 (1 + 12 queued).
    const queued = await queueNight(110);
    const nodes = await Promise.all(
      Array.from({ length: 24 }, () => startStubNode({ jobSeconds: 5.5, capacity: 13 })),
    );
    started.push(...nodes.map((node) => ({ stop: () => node.close() })));
    const dispatch = await startDispatch({ dbUrl: db.url, s3, nodes, maxJobsPerKick: undefined });
    started.push(dispatch);
    const figures = await simulateNight({
      sql: db.sql,
      dispatch,
      nodes,
      totalJobs: queued,
      kickSeconds: 60,
      wallBoundMs: 60_000,
      maxKicks: 1,
    });
    expect(figures.kicks).toBe(1);
    // At least what the 24 nodes finish before the next kick (262); the old default handed out 50.
    expect(figures.claimed).toBeGreaterThanOrEqual(Math.ceil((24 * 60) / 5.5));
  });
});
