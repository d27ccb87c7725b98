/**
 * A database outage while nodes report (issue 19 item 5): the `report` function (real Deno) reaches
 * PostgreSQL through a proxy that is cut for `REPORT_OUTAGE_MS` (default 3 s; the issue's bar is 20 s:
 * `REPORT_OUTAGE_MS=20000 npx vitest run --project integration supabase/tests/report-outage.integration.ts`)
 * while 24 nodes' reports arrive through the node's own sender. Nothing it did not store is answered as
 * a success, every report is delivered once the database is back, and no job is run twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendReport } from "../../inference-node/src/jobs/report-sender.ts";
import type { JobReport } from "../../shared/schemas/job-report.ts";
import { signRequest } from "../../shared/signing/hmac-signature.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { startTcpCutter, type TcpCutter } from "../../test/harness/tcp-cutter.ts";
import { createRecording, createUser, pauseCron } from "./fixtures.ts";
import { FUNCTIONS_CONFIG, REPORT_SECRET } from "./functions-helpers.ts";

const OUTAGE_MS = Number(process.env.REPORT_OUTAGE_MS ?? 3_000);
const JOBS = 24;

let db: TestDatabase;
let cutter: TcpCutter;
let report: DenoServer;

beforeAll(async () => {
  db = await startTestDatabase();
  await pauseCron(db.sql);
  cutter = await startTcpCutter({ host: "127.0.0.1", port: db.cluster.port });
  const viaCutter = new URL(db.url);
  viaCutter.port = String(cutter.port);
  report = await startDenoServer("supabase/functions/report/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: { SUPABASE_DB_URL: viaCutter.toString(), REPORT_SIGNING_SECRET: REPORT_SECRET },
  });
});

afterAll(async () => {
  await report?.stop();
  await cutter?.close();
  await db?.stop();
});

function completed(job: { job_id: string; lease_token: string }): JobReport {
  return {
    jobId: job.job_id,
    leaseToken: job.lease_token,
    status: "completed",
    modelVersion: "yamnet-onnx@outage",
    events: [],
    stats: { audioSeconds: 60, wallMs: 600, realTimeFactor: 0.01, peakRssBytes: 1, nodeId: "node-1" },
  };
}

describe(`a ${OUTAGE_MS / 1000} s database outage while reports arrive`, () => {
  it("answers 503 for what it could not store, and the node's retries deliver every report: 0 jobs redone", async () => {
    const userId = await createUser(db.sql, "UTC");
    for (let i = 0; i < JOBS; i++) {
      const { id } = await createRecording(db.sql, {
        userId,
        startedAt: new Date(Date.parse("2026-11-20T00:00:00Z") + i * 3_600_000),
      });
      await db.sql`select queue.enqueue(${id})`;
    }
    const jobs = await db.sql<{ job_id: string; lease_token: string }[]>`
      select job_id::text, lease_token::text from queue.claim(${JOBS}, '15 minutes', 'node-1')`;
    expect(jobs).toHaveLength(JOBS);
    const url = `${report.url}/report`;

    cutter.cut();
    const outageEnds = Date.now() + OUTAGE_MS;
    // One report by hand to see the answer itself: not a success.
    const body = JSON.stringify({ reports: [completed(jobs[0])] });
    const during = await fetch(url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        ...(await signRequest(REPORT_SECRET, { method: "POST", url, body })),
      },
    });
    expect(during.status).toBe(503);
    const answer = await during.json();
    expect(answer.error.code).toBe("REPORT_NOT_STORED");
    expect(answer.error.details.failedJobs[0].error.code).toBe("INTERNAL");
    expect(during.headers.get("retry-after")).toBe("5");

    const restored = new Promise<void>((resolve) =>
      setTimeout(() => {
        cutter.restore();
        resolve();
      }, outageEnds - Date.now()),
    );
    const outcomes = await Promise.all(
      jobs.map((job) =>
        sendReport(url, completed(job), {
          secret: REPORT_SECRET,
          deadlineMs: Date.now() + OUTAGE_MS + 60_000,
          retryBaseDelayMs: 250,
          // A request may wait at the function for a connection; the node gives up on it and sends again.
          attemptTimeoutMs: 2_000,
        }),
      ),
    );
    await restored;
    expect(outcomes.filter((o) => !o.delivered)).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.attempts))).toBeGreaterThan(1);

    const rows = await db.sql`select status, attempts, count(*)::int as n from queue.jobs
                              where user_id = ${userId} group by 1, 2`;
    expect(rows).toEqual([{ status: "done", attempts: 1, n: JOBS }]);
    // Nothing left for the reaper: no job will be leased (and run) a second time.
    const [{ reaped }] = await db.sql`select queue.reap_expired_leases(now() + interval '1 day') as reaped`;
    expect(reaped).toBe(0);
  });
});
