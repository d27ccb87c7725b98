/**
 * @module
 * The inference node's HTTP API, built from injected dependencies (server.ts runs it, tests call
 * `app.request()`):
 * - `POST /infer`: signed batch of jobs → 202 `{ accepted, duplicates }` | 400 | 401 | 429 | 503
 * - `GET /healthz`: the process and its event loop answer (inference runs in a worker thread)
 * - `GET /readyz`: model loaded, not shutting down, under the memory guard → 200, else 503; body
 *   `{ ready, reasons?, modelVersion, capacity: { free } }` (what the dispatcher and the smoke check need),
 *   plus `rssBytes` and the whole `capacity` for `Authorization: Bearer <NODE_METRICS_TOKEN>`
 * - `GET /metrics`: Prometheus text; 401 without the bearer when NODE_METRICS_TOKEN is set
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type InferAccepted, inferRequestSchema } from "../../../shared/schemas/infer-request.ts";
import type { Config } from "../config/config.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { Logger } from "../jobs/logger.ts";
import type { NodeMetrics } from "../jobs/node-metrics.ts";
import { createErrorHandler, HttpError } from "./http-error.ts";
import { verifySignature } from "./verify-signature.ts";

/** A batch of 100 jobs is ~60 KB of JSON; anything near 1 MiB is not a legitimate request. */
export const MAX_INFER_BODY_BYTES = 1024 * 1024;

export interface AppDeps {
  config: Pick<
    Config,
    | "INFER_SIGNING_SECRET"
    | "INFER_SIGNING_SECRET_PREVIOUS"
    | "NODE_REPLAY_WINDOW_MS"
    | "NODE_MAX_RSS_MB"
    | "NODE_METRICS_TOKEN"
  >;
  queue: JobQueue;
  metrics: NodeMetrics;
  logger: Logger;
  /** The loaded model's version, or undefined while the engine is still loading. */
  modelVersion: () => string | undefined;
  /** True from the first SIGTERM on. */
  isShuttingDown: () => boolean;
  rssBytes?: () => number;
  nowMs?: () => number;
}

/**
 * @example
 * ```ts
 * const app = createApp({ config, queue, metrics, logger, modelVersion: () => engine.modelVersion, isShuttingDown: () => false });
 * const res = await app.request("/readyz");
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const { config, queue, metrics, logger } = deps;
  const rssBytes = deps.rssBytes ?? (() => process.memoryUsage.rss());
  const maxRssBytes = config.NODE_MAX_RSS_MB * 1024 * 1024;
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: "no such route" } }, 404));

  app.get("/healthz", (c) => c.json({ ok: true }));

  /** The operator's bearer, when one is configured and presented. */
  const isOperator = (authorization: string | undefined): boolean =>
    config.NODE_METRICS_TOKEN !== undefined &&
    authorization !== undefined &&
    constantTimeEqual(authorization, `Bearer ${config.NODE_METRICS_TOKEN}`);

  app.get("/readyz", (c) => {
    const modelVersion = deps.modelVersion();
    const rss = rssBytes();
    const reasons: string[] = [];
    if (modelVersion === undefined) reasons.push("MODEL_LOADING");
    if (deps.isShuttingDown()) reasons.push("SHUTTING_DOWN");
    if (rss > maxRssBytes) reasons.push("MEMORY_GUARD");
    const ready = reasons.length === 0;
    const answer = { ready, ...(ready ? {} : { reasons }) };
    if (!isOperator(c.req.header("authorization"))) {
      return c.json(
        { ...answer, modelVersion: modelVersion ?? null, capacity: { free: queue.capacity.free } },
        ready ? 200 : 503,
      );
    }
    return c.json(
      { ...answer, modelVersion: modelVersion ?? null, capacity: queue.capacity, rssBytes: rss },
      ready ? 200 : 503,
    );
  });

  app.get("/metrics", (c) => {
    if (config.NODE_METRICS_TOKEN !== undefined && !isOperator(c.req.header("authorization"))) {
      throw new HttpError(401, {
        code: "UNAUTHORIZED",
        message: "send Authorization: Bearer <NODE_METRICS_TOKEN>",
        headers: { "www-authenticate": "Bearer" },
      });
    }
    const text = metrics.render({
      queued: () => queue.capacity.queued,
      running: () => queue.capacity.running,
      rssBytes,
    });
    return c.body(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  const signature = verifySignature({
    secrets: [config.INFER_SIGNING_SECRET, config.INFER_SIGNING_SECRET_PREVIOUS].filter(
      (secret): secret is string => secret !== undefined,
    ),
    replayWindowMs: config.NODE_REPLAY_WINDOW_MS,
    ...(deps.nowMs === undefined ? {} : { nowMs: deps.nowMs }),
  });
  app.post(
    "/infer",
    // Headers first: a malformed, stale or oversized signature header costs no body read and no HMAC.
    signature.headers,
    bodyLimit({
      maxSize: MAX_INFER_BODY_BYTES,
      onError: () => {
        throw new HttpError(413, {
          code: "BODY_TOO_LARGE",
          message: `send at most ${MAX_INFER_BODY_BYTES} bytes`,
        });
      },
    }),
    signature.body,
    async (c) => {
      let json: unknown;
      try {
        json = JSON.parse(await c.req.text());
      } catch {
        throw new HttpError(400, { code: "INVALID_JSON", message: "the body must be JSON" });
      }
      const parsed = inferRequestSchema.safeParse(json);
      if (!parsed.success) {
        throw new HttpError(400, {
          code: "INVALID_BODY",
          message: "the body does not match the infer-request schema",
          details: parsed.error.issues,
        });
      }
      if (deps.isShuttingDown() || queue.shuttingDown) {
        metrics.recordRejection("SHUTTING_DOWN");
        throw new HttpError(503, {
          code: "SHUTTING_DOWN",
          message: "this node is shutting down; send the jobs elsewhere",
        });
      }
      if (deps.modelVersion() === undefined) {
        throw new HttpError(503, {
          code: "MODEL_LOADING",
          message: "the model is still loading",
          headers: { "retry-after": "5" },
        });
      }
      const rss = rssBytes();
      if (rss > maxRssBytes) {
        metrics.recordRejection("MEMORY_GUARD");
        logger.warn("memory_guard_refused", { rssBytes: rss, maxRssBytes });
        throw new HttpError(503, {
          code: "MEMORY_GUARD",
          message: "this node is over its memory limit; try again later",
          headers: { "retry-after": "60" },
        });
      }
      const result = queue.submit(parsed.data.jobs);
      if (!result.ok) {
        metrics.recordRejection("QUEUE_FULL");
        throw new HttpError(429, {
          code: "QUEUE_FULL",
          message: `the queue has room for ${result.free} more jobs; resend the batch later or split it`,
          headers: { "retry-after": String(result.retryAfterSeconds) },
        });
      }
      const body: InferAccepted = { accepted: result.accepted, duplicates: result.duplicates };
      return c.json(body, 202);
    },
  );

  return app;
}

/** Compares without an early exit on the first difference (the length is not secret). */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
