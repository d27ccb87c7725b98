/**
 * @module
 * A local HTTP endpoint standing in for the job-report Edge Function: records every POST (raw body and
 * signature headers) and answers with a scripted sequence of statuses (then 200), or with scripted
 * answers (status and body). Start notices are recorded apart (`started`), so `received` holds only
 * the jobs' final reports.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type JobReport,
  jobReportBatchSchema,
  type StartedNotice,
} from "../../../../shared/schemas/job-report.ts";

export interface ReceivedReport {
  method: string;
  /** The request path as received (what the signature covers). */
  path: string;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  report: JobReport;
}

/** A scripted answer: status and JSON body (default `{}`). */
export interface ScriptedAnswer {
  status: number;
  body?: unknown;
}

export interface ReportReceiver {
  url: string;
  received: ReceivedReport[];
  /** Start notices, in arrival order (every attempt). */
  started: StartedNotice[];
  /** Resolves once `count` reports (all attempts that got 2xx or not) have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedReport[]>;
  close(): Promise<void>;
}

export async function startReportReceiver({
  statuses = [],
  answers = [],
}: {
  statuses?: number[];
  /** Used after `statuses`, one per request. */
  answers?: ScriptedAnswer[];
} = {}): Promise<ReportReceiver> {
  const received: ReceivedReport[] = [];
  const started: StartedNotice[] = [];
  const waiters: (() => void)[] = [];
  const script: ScriptedAnswer[] = [...statuses.map((status) => ({ status })), ...answers];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const rawBody = Buffer.concat(parts).toString("utf8");
    const parsed = jobReportBatchSchema.safeParse(JSON.parse(rawBody));
    const answer = script.shift() ?? { status: parsed.success ? 200 : 400 };
    if (parsed.success) {
      for (const report of parsed.data.reports) {
        if (report.status === "started") started.push(report);
        else
          received.push({
            method: req.method ?? "",
            path: req.url ?? "",
            rawBody,
            headers: req.headers,
            report,
          });
      }
    }
    res
      .writeHead(answer.status, { "content-type": "application/json" })
      .end(JSON.stringify(answer.body ?? {}));
    for (const wake of waiters.splice(0)) wake();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/functions/v1/job-report`,
    received,
    started,
    async waitFor(count, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} reports, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
