import { describe, expect, it } from "vitest";
import type { JobReport } from "../../../shared/schemas/job-report.ts";
import { signRequest } from "../../../shared/signing/hmac-signature.ts";
import { JobQueue } from "../jobs/job-queue.ts";
import { silentLogger } from "../jobs/logger.ts";
import { NodeMetrics } from "../jobs/node-metrics.ts";
import { makeJob } from "../jobs/testing/jobs.ts";
import { createApp } from "./app.ts";

const secret = "unit-test-secret-0123456789abcdef0123";
const MB = 1024 * 1024;

interface Harness {
  app: ReturnType<typeof createApp>;
  queue: JobQueue;
  metrics: NodeMetrics;
  processed: string[];
  release: () => void;
  state: { modelVersion: string | undefined; shuttingDown: boolean; rssBytes: number };
}

const metricsToken = "metrics-token-0123456789abcdef0123456789";

function setup({
  maxQueuedJobs = 1,
  concurrency = 1,
  token,
}: {
  maxQueuedJobs?: number;
  concurrency?: number;
  token?: string;
} = {}): Harness {
  const metrics = new NodeMetrics();
  const processed: string[] = [];
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const queue = new JobQueue({
    maxQueuedJobs,
    concurrency,
    dedupeCapacity: 100,
    reportReserveMs: 0,
    logger: silentLogger,
    metrics,
    // Jobs stay "running" until the test releases the gate.
    process: async (job): Promise<JobReport> => {
      await gate;
      processed.push(job.jobId);
      return {
        jobId: job.jobId,
        leaseToken: job.leaseToken,
        status: "completed",
        modelVersion: "fake",
        events: [],
        stats: { audioSeconds: 60, wallMs: 600, realTimeFactor: 0.01, peakRssBytes: 1, nodeId: "n1" },
      };
    },
    deliver: async () => {},
  });
  const state = {
    modelVersion: "fake-yamnet@0000" as string | undefined,
    shuttingDown: false,
    rssBytes: 100 * MB,
  };
  const app = createApp({
    config: {
      INFER_SIGNING_SECRET: secret,
      NODE_REPLAY_WINDOW_MS: 300_000,
      NODE_MAX_RSS_MB: 768,
      ...(token === undefined ? {} : { NODE_METRICS_TOKEN: token }),
    },
    queue,
    metrics,
    logger: silentLogger,
    modelVersion: () => state.modelVersion,
    isShuttingDown: () => state.shuttingDown,
    rssBytes: () => state.rssBytes,
  });
  return { app, queue, metrics, processed, release: () => release(), state };
}

async function postInfer(
  app: Harness["app"],
  body: unknown,
  { sign = secret, nowMs = Date.now() }: { sign?: string | null; nowMs?: number } = {},
) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (sign !== null) {
    Object.assign(headers, await signRequest(sign, { method: "POST", url: "/infer", body: raw }, nowMs));
  }
  return await app.request("/infer", { method: "POST", body: raw, headers });
}

describe("POST /infer", () => {
  it("accepts a signed batch with 202 and the accepted job ids", async () => {
    const { app, queue, processed, release } = setup();
    const job = makeJob();
    const res = await postInfer(app, { jobs: [job] });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: [job.jobId], duplicates: [] });
    release();
    await queue.idle();
    expect(processed).toEqual([job.jobId]);
  });

  describe("authentication", () => {
    it("401 MISSING_SIGNATURE without headers", async () => {
      const res = await postInfer(setup().app, { jobs: [makeJob()] }, { sign: null });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "MISSING_SIGNATURE" } });
    });

    it("401 BAD_SIGNATURE for a forged signature", async () => {
      const res = await postInfer(
        setup().app,
        { jobs: [makeJob()] },
        { sign: "attacker-guessed-secret-000000000000" },
      );
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    });

    it("401 STALE_TIMESTAMP for a replay older than the window", async () => {
      const res = await postInfer(setup().app, { jobs: [makeJob()] }, { nowMs: Date.now() - 10 * 60_000 });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "STALE_TIMESTAMP" } });
    });

    it("401 MALFORMED_SIGNATURE for more than two values, before reading the body", async () => {
      const { app } = setup();
      const raw = JSON.stringify({ jobs: [makeJob()] });
      const headers = await signRequest(secret, { method: "POST", url: "/infer", body: raw });
      const many = Array.from({ length: 900 }, () => headers["x-giggles-signature"]).join(",");
      let bodyRead = false;
      // highWaterMark 0: pull() runs only when someone reads the body.
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            bodyRead = true;
            controller.enqueue(new TextEncoder().encode(raw));
            controller.close();
          },
        },
        { highWaterMark: 0 },
      );
      const res = await app.request("/infer", {
        method: "POST",
        body,
        headers: { ...headers, "x-giggles-signature": many, "content-type": "application/json" },
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "MALFORMED_SIGNATURE" } });
      expect(bodyRead).toBe(false);
    });

    it("401 BAD_SIGNATURE for a signature made for another path (the report endpoint)", async () => {
      const { app } = setup();
      const raw = JSON.stringify({ jobs: [makeJob()] });
      const headers = await signRequest(secret, { method: "POST", url: "/report", body: raw });
      const res = await app.request("/infer", { method: "POST", body: raw, headers });
      expect(await res.json()).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    });

    it("accepts the previous secret during a rotation", async () => {
      const metrics = new NodeMetrics();
      const { queue } = setup();
      const app = createApp({
        config: {
          INFER_SIGNING_SECRET: "new-secret-0123456789abcdef0123456789",
          INFER_SIGNING_SECRET_PREVIOUS: secret,
          NODE_REPLAY_WINDOW_MS: 300_000,
          NODE_MAX_RSS_MB: 768,
        },
        queue,
        metrics,
        logger: silentLogger,
        modelVersion: () => "m",
        isShuttingDown: () => false,
        rssBytes: () => 1,
      });
      expect((await postInfer(app, { jobs: [makeJob()] })).status).toBe(202);
    });

    it("401 REPLAYED_REQUEST for the same signed request again, however many came in between", async () => {
      const { app, release } = setup({ maxQueuedJobs: 5000 });
      release();
      const raw = JSON.stringify({ jobs: [makeJob()] });
      const headers = await signRequest(secret, { method: "POST", url: "/infer", body: raw });
      const send = () => app.request("/infer", { method: "POST", body: raw, headers });
      expect((await send()).status).toBe(202);
      // More than the job dedupe's capacity (100 here, 4096 by default) of other requests.
      for (let i = 0; i < 120; i++) expect((await postInfer(app, { jobs: [makeJob()] })).status).toBe(202);
      const replay = await send();
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ error: { code: "REPLAYED_REQUEST" } });
    });

    it("401 REPLAYED_REQUEST after a restart for a request signed before it", async () => {
      const raw = JSON.stringify({ jobs: [makeJob()] });
      const headers = await signRequest(
        secret,
        { method: "POST", url: "/infer", body: raw },
        Date.now() - 2000,
      );
      const res = await setup().app.request("/infer", { method: "POST", body: raw, headers });
      expect(await res.json()).toMatchObject({ error: { code: "REPLAYED_REQUEST" } });
    });

    it("checks the signature before looking at the body", async () => {
      const res = await postInfer(setup().app, "not json", { sign: null });
      expect(res.status).toBe(401);
    });
  });

  describe("validation", () => {
    it("400 INVALID_BODY with the zod issues", async () => {
      const res = await postInfer(setup().app, { jobs: [{ ...makeJob(), audioUrl: "nope", format: "aac" }] });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; details: { path: unknown[] }[] } };
      expect(body.error.code).toBe("INVALID_BODY");
      expect(body.error.details.map((issue) => issue.path)).toEqual([
        ["jobs", 0, "audioUrl"],
        ["jobs", 0, "format"],
      ]);
    });

    it("400 INVALID_JSON for a signed body that is not JSON", async () => {
      const res = await postInfer(setup().app, "{jobs:");
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "INVALID_JSON" } });
    });
  });

  describe("back-pressure", () => {
    it("429 with Retry-After once concurrency + queue are full, accepting nothing from that batch", async () => {
      const { app, queue, release } = setup({ maxQueuedJobs: 1, concurrency: 1 });
      expect((await postInfer(app, { jobs: [makeJob(), makeJob()] })).status).toBe(202);
      const refused = makeJob();
      const res = await postInfer(app, { jobs: [refused] });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ error: { code: "QUEUE_FULL" } });
      release();
      await queue.idle();
      // Not remembered as seen: the same delivery (signed afresh, as the dispatcher does) is accepted
      // once there is room.
      expect(await (await postInfer(app, { jobs: [refused] }, { nowMs: Date.now() + 1000 })).json()).toEqual({
        accepted: [refused.jobId],
        duplicates: [],
      });
    });

    it("503 MEMORY_GUARD above NODE_MAX_RSS_MB", async () => {
      const { app, state } = setup();
      state.rssBytes = 900 * MB;
      const res = await postInfer(app, { jobs: [makeJob()] });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: "MEMORY_GUARD" } });
    });

    it("503 SHUTTING_DOWN after SIGTERM and MODEL_LOADING before the model is there", async () => {
      const harness = setup();
      harness.state.modelVersion = undefined;
      expect(await (await postInfer(harness.app, { jobs: [makeJob()] })).json()).toMatchObject({
        error: { code: "MODEL_LOADING" },
      });
      harness.state.shuttingDown = true;
      const res = await postInfer(harness.app, { jobs: [makeJob()] });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: "SHUTTING_DOWN" } });
    });
  });

  describe("duplicate delivery", () => {
    it("accepts the same jobId+leaseToken once, reports it as a duplicate afterwards", async () => {
      const { app, queue, processed, release } = setup({ maxQueuedJobs: 5 });
      const job = makeJob();
      expect(await (await postInfer(app, { jobs: [job] })).json()).toEqual({
        accepted: [job.jobId],
        duplicates: [],
      });
      expect(await (await postInfer(app, { jobs: [job, job] })).json()).toEqual({
        accepted: [],
        duplicates: [job.jobId, job.jobId],
      });
      // A new lease for the same job (redelivered after the visibility timeout) is new work.
      const released = { ...job, leaseToken: crypto.randomUUID() };
      expect(await (await postInfer(app, { jobs: [released] })).json()).toEqual({
        accepted: [job.jobId],
        duplicates: [],
      });
      release();
      await queue.idle();
      expect(processed).toEqual([job.jobId, job.jobId]);
    });
  });
});

describe("GET /readyz", () => {
  it("200 with model version and capacity when ready (detail for the operator's bearer only)", async () => {
    const { app, release, queue } = setup({ maxQueuedJobs: 3, token: metricsToken });
    await postInfer(app, { jobs: [makeJob(), makeJob()] });
    const res = await app.request("/readyz", { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ready: true,
      modelVersion: "fake-yamnet@0000",
      capacity: { free: 2, queued: 1, running: 1, max: 4 },
      rssBytes: 100 * MB,
    });
    // Anyone else (the dispatcher, the internet through the proxy) sees what the dispatcher needs.
    const others: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }];
    for (const headers of others) {
      const plain = await app.request("/readyz", { headers });
      expect(await plain.json()).toEqual({
        ready: true,
        modelVersion: "fake-yamnet@0000",
        capacity: { free: 2 },
      });
    }
    release();
    await queue.idle();
  });

  it.each([
    [
      "model loading",
      (s: Harness["state"]) => Object.assign(s, { modelVersion: undefined }),
      "MODEL_LOADING",
    ],
    ["shutting down", (s: Harness["state"]) => Object.assign(s, { shuttingDown: true }), "SHUTTING_DOWN"],
    [
      "over the memory guard",
      (s: Harness["state"]) => Object.assign(s, { rssBytes: 800 * MB }),
      "MEMORY_GUARD",
    ],
  ])("503 when %s", async (_name, mutate, reason) => {
    const { app, state } = setup();
    mutate(state);
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ready: false, reasons: [reason] });
  });
});

describe("GET /healthz and /metrics", () => {
  it("/metrics needs the operator's bearer when NODE_METRICS_TOKEN is set", async () => {
    const { app } = setup({ token: metricsToken });
    const anonymous = await app.request("/metrics");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    const operator = await app.request("/metrics", { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(operator.status).toBe(200);
    expect(await operator.text()).toContain("giggles_node_rss_bytes");
  });

  it("healthz answers ok", async () => {
    const res = await setup().app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("exposes Prometheus counters and gauges", async () => {
    const { app, queue, release, metrics } = setup();
    await postInfer(app, { jobs: [makeJob()] });
    release();
    await queue.idle();
    metrics.recordFailed("UNDECODABLE_AUDIO");
    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('giggles_node_jobs_total{outcome="completed"} 1');
    expect(text).toContain('giggles_node_jobs_total{outcome="failed"} 1');
    expect(text).toContain('giggles_node_job_failures_total{reason="UNDECODABLE_AUDIO"} 1');
    expect(text).toContain("giggles_node_audio_seconds_total 60");
    expect(text).toContain("giggles_node_last_real_time_factor 0.01");
    expect(text).toContain("giggles_node_queue_depth 0");
    expect(text).toContain(`giggles_node_rss_bytes ${100 * MB}`);
  });
});

describe("errors", () => {
  it("hides internals behind a bare 500", async () => {
    const metrics = new NodeMetrics();
    const queue = {
      capacity: { free: 1, queued: 0, running: 0, max: 1 },
      shuttingDown: false,
      submit() {
        throw new Error("connection string postgres://user:hunter2@db");
      },
    } as unknown as JobQueue;
    const app = createApp({
      config: { INFER_SIGNING_SECRET: secret, NODE_REPLAY_WINDOW_MS: 300_000, NODE_MAX_RSS_MB: 768 },
      queue,
      metrics,
      logger: silentLogger,
      modelVersion: () => "m",
      isShuttingDown: () => false,
      rssBytes: () => 1,
    });
    const res = await postInfer(app, { jobs: [makeJob()] });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "Internal server error" } });
  });

  it("404 for unknown routes", async () => {
    expect((await setup().app.request("/nope")).status).toBe(404);
  });
});
