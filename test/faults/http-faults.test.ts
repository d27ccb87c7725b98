/**
 * Fault suite, the node's HTTP side (issue 10 items 12 and 14): slow clients, a drain with half-sent
 * requests, and the memory guard after a spike. Real sockets against the real listener.
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../inference-node/src/http/app.ts";
import { type HttpServer, startHttpServer } from "../../inference-node/src/http/http-server.ts";
import { JobQueue } from "../../inference-node/src/jobs/job-queue.ts";
import { silentLogger } from "../../inference-node/src/jobs/logger.ts";
import { NodeMetrics } from "../../inference-node/src/jobs/node-metrics.ts";
import { makeJob } from "../../inference-node/src/jobs/testing/jobs.ts";
import type { JobReport } from "../../shared/schemas/job-report.ts";
import { signRequest } from "../../shared/signing/hmac-signature.ts";

const SECRET = "http-faults-secret-0123456789abcdef0123";
const MB = 1024 * 1024;
const servers: HttpServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const http of servers.splice(0)) await http.drain(0);
});

function nodeApp(memory: { rssBytes: number; liveBytes: number }) {
  const queue = new JobQueue({
    maxQueuedJobs: 4,
    concurrency: 1,
    dedupeCapacity: 100,
    reportReserveMs: 0,
    logger: silentLogger,
    metrics: new NodeMetrics(),
    process: async (job): Promise<JobReport> => ({
      jobId: job.jobId,
      leaseToken: job.leaseToken,
      status: "failed",
      error: { retryable: true, reason: "INTERNAL", message: "test" },
    }),
    deliver: async () => {},
  });
  return createApp({
    config: { INFER_SIGNING_SECRET: SECRET, NODE_REPLAY_WINDOW_MS: 300_000, NODE_MAX_RSS_MB: 768 },
    queue,
    metrics: new NodeMetrics(),
    logger: silentLogger,
    modelVersion: () => "yamnet-onnx@test",
    isShuttingDown: () => false,
    rssBytes: () => memory.rssBytes,
    liveBytes: () => memory.liveBytes,
  });
}

async function listen(options: { headersTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
  const http = startHttpServer(nodeApp({ rssBytes: 100 * MB, liveBytes: 50 * MB }).fetch, {
    hostname: "127.0.0.1",
    port: 0,
    ...options,
  });
  servers.push(http);
  return { http, port: (await http.listening).port };
}

/** Opens a connection and sends `head`; resolves with the socket once connected. */
async function slowClient(port: number, head: string): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => {});
  socket.resume(); // read what the server answers, so that its close is seen
  await once(socket, "connect");
  socket.write(head);
  return socket;
}

const closedWithin = (socket: Socket, ms: number) =>
  socket.closed
    ? Promise.resolve(true)
    : Promise.race([
        once(socket, "close").then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
      ]);

describe("item 12: header and body timeouts", () => {
  it("closes a connection whose headers never finish", async () => {
    const { port } = await listen({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await slowClient(port, "POST /infer HTTP/1.1\r\nHost: x\r\n");
    expect(await closedWithin(socket, 3_000)).toBe(true);
  });

  it("closes a connection whose body trickles in slower than the request timeout", async () => {
    const { port } = await listen({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await slowClient(
      port,
      `POST /infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MB}\r\n\r\n{`,
    );
    const trickle = setInterval(() => {
      if (socket.writable) socket.write(" ", () => {});
    }, 100);
    try {
      expect(await closedWithin(socket, 3_000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
  });

  it("the defaults are bounded: 10 s for headers, 30 s for a request", () => {
    const http = startHttpServer(() => new Response(), { hostname: "127.0.0.1", port: 0 });
    servers.push(http);
    expect(http.server.headersTimeout).toBe(10_000);
    expect(http.server.requestTimeout).toBe(30_000);
  });
});

describe("item 14: drain with half-sent requests open", () => {
  it("50 slow /infer requests do not hold the drain past its grace period", async () => {
    const { http, port } = await listen({ headersTimeoutMs: 60_000, requestTimeoutMs: 120_000 });
    const clients = await Promise.all(
      Array.from({ length: 50 }, () =>
        slowClient(port, `POST /infer HTTP/1.1\r\nHost: x\r\nContent-Length: ${MB}\r\n\r\n{"jobs":`),
      ),
    );
    await http.drain(200);
    expect(await Promise.all(clients.map((socket) => closedWithin(socket, 1_000)))).not.toContain(false);
  });
});

describe("item 12: the memory guard after a spike", () => {
  async function post(app: ReturnType<typeof nodeApp>) {
    const body = JSON.stringify({ jobs: [makeJob()] });
    return app.request("/infer", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        ...(await signRequest(SECRET, { method: "POST", url: "/infer", body }, Date.now())),
      },
    });
  }

  it("an idle node whose RSS stays high but whose live memory is small takes work again", async () => {
    const app = nodeApp({ rssBytes: 856 * MB, liveBytes: 120 * MB });
    expect((await app.request("/readyz")).status).toBe(200);
    expect((await post(app)).status).toBe(202);
  });

  it("live memory over the limit still refuses work", async () => {
    const app = nodeApp({ rssBytes: 900 * MB, liveBytes: 800 * MB });
    expect((await app.request("/readyz")).status).toBe(503);
    expect(await (await post(app)).json()).toMatchObject({ error: { code: "MEMORY_GUARD" } });
  });
});
