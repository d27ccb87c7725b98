/**
 * @module
 * An inference node without inference, for the load test of queue + dispatch (`npm run bench:load`): it
 * answers `GET /readyz` and `POST /infer` as the real node does (room = concurrency + queue, 202
 * `{ accepted, duplicates }`, 429 when the batch does not fit) and "processes" its jobs in simulated
 * time: {@link StubNode.advance} spends that many seconds of node time on the queue, one job after the
 * other, and returns the jobs finished in that time. The caller reports them (queue.complete) and keeps
 * the simulated clock, so a night of many hours runs in minutes.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { inferRequestSchema } from "../../shared/schemas/infer-request.ts";

export interface StubJob {
  jobId: string;
  leaseToken: string;
}

export interface StubNode {
  url: string;
  /** Jobs held (running + queued). */
  held(): number;
  /** Spends `seconds` of node time on the held jobs, in order; returns the finished ones and the busy time. */
  advance(seconds: number): { finished: StubJob[]; busySeconds: number };
  close(): Promise<void>;
}

export interface StubNodeOptions {
  /** Node time per job. */
  jobSeconds: number;
  /** NODE_CONCURRENCY + NODE_MAX_QUEUED_JOBS of a real node: what /readyz offers when idle. */
  capacity: number;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

export async function startStubNode(options: StubNodeOptions): Promise<StubNode> {
  const queue: StubJob[] = [];
  /** Node time already spent on queue[0]. */
  let spentOnHeadSeconds = 0;
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method === "GET" && request.url === "/readyz") {
      send(200, { ready: true, modelVersion: "stub@1", capacity: { free: options.capacity - queue.length } });
      return;
    }
    if (request.method === "POST" && request.url === "/infer") {
      readBody(request).then(
        (text) => {
          const parsed = inferRequestSchema.safeParse(JSON.parse(text));
          if (!parsed.success)
            return send(400, { error: { code: "INVALID_BODY", message: z.prettifyError(parsed.error) } });
          const jobs = parsed.data.jobs;
          if (queue.length + jobs.length > options.capacity) {
            response.setHeader("retry-after", "60");
            return send(429, { error: { code: "QUEUE_FULL", message: "the batch does not fit" } });
          }
          for (const job of jobs) queue.push({ jobId: job.jobId, leaseToken: job.leaseToken });
          send(202, { accepted: jobs.map((job) => job.jobId), duplicates: [] });
        },
        (error: unknown) => send(500, { error: { code: "INTERNAL", message: String(error) } }),
      );
      return;
    }
    send(404, { error: { code: "NOT_FOUND", message: "no such route" } });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("stub node: no TCP address");
  return {
    url: `http://127.0.0.1:${(address satisfies AddressInfo).port}`,
    held: () => queue.length,
    advance(seconds) {
      const finished: StubJob[] = [];
      let left = seconds;
      while (queue.length > 0 && left > 0) {
        const needed = options.jobSeconds - spentOnHeadSeconds;
        if (needed > left) {
          spentOnHeadSeconds += left;
          left = 0;
          break;
        }
        left -= needed;
        spentOnHeadSeconds = 0;
        const job = queue.shift();
        if (job !== undefined) finished.push(job);
      }
      return { finished, busySeconds: seconds - left };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
