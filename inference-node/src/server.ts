/**
 * @module
 * Runs the inference node: parses config from `process.env`, starts listening at once (so /healthz
 * answers and /readyz says "loading" while the model loads), loads the engine, and shuts down
 * gracefully on SIGTERM/SIGINT: stop accepting (/infer → 503), abort the running job, report it and
 * every queued job as retryable `SHUTTING_DOWN`, flush the reports, exit 0.
 *
 * Usage: `node bin/run-ts.mjs inference-node/src/server.ts` (env: see infra/node.env.example).
 */
import { ConfigError, parseConfig } from "./config/config.ts";
import { createEngine } from "./engine/engine.ts";
import type { Engine } from "./engine/types.ts";
import { createApp } from "./http/app.ts";
import { startHttpServer } from "./http/http-server.ts";
import { createS3ClipStore } from "./jobs/clip-store.ts";
import { JobQueue } from "./jobs/job-queue.ts";
import { createLogger } from "./jobs/logger.ts";
import { NodeMetrics } from "./jobs/node-metrics.ts";
import { processJob } from "./jobs/process-job.ts";
import { sendReport, sendStartNotice } from "./jobs/report-sender.ts";

const logger = createLogger();

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  logger.error("config_invalid", { message: error.message, variables: error.variables });
  // EX_CONFIG (sysexits.h): systemd's RestartPreventExitStatus keeps it from restart-looping.
  process.exit(78);
}

const metrics = new NodeMetrics();
const clipStore = createS3ClipStore(config);
let engine: Engine | undefined;
let shuttingDown = false;

/**
 * How long a job waits for its start notice to be acknowledged before it runs anyway. Short: the notice
 * only decides whether a crash from now on costs the job an attempt.
 */
const START_NOTICE_BUDGET_MS = 10_000;

const queue = new JobQueue({
  maxQueuedJobs: config.NODE_MAX_QUEUED_JOBS,
  concurrency: config.NODE_CONCURRENCY,
  dedupeCapacity: config.NODE_DEDUPE_CAPACITY,
  reportReserveMs: config.NODE_REPORT_RESERVE_MS,
  logger,
  metrics,
  process: (job, signal) => {
    // /infer refuses work until the engine is loaded, so it is always set here.
    const loaded = engine as Engine;
    return processJob(
      job,
      {
        engine: loaded,
        clipStore,
        logger,
        nodeId: config.NODE_ID,
        audioFetchRetries: config.NODE_AUDIO_FETCH_RETRIES,
        audioIdleTimeoutMs: config.NODE_AUDIO_IDLE_TIMEOUT_MS,
        clipUploadAttempts: config.NODE_CLIP_UPLOAD_ATTEMPTS,
      },
      signal,
    );
  },
  start: (job, signal) =>
    sendStartNotice(
      job.callbackUrl,
      { jobId: job.jobId, leaseToken: job.leaseToken, status: "started" },
      {
        secret: config.REPORT_SIGNING_SECRET,
        budgetMs: START_NOTICE_BUDGET_MS,
        attemptTimeoutMs: 5_000,
        signal,
        onRetry: (info) => logger.warn("start_notice_retry", { jobId: job.jobId, ...info }),
      },
    ),
  deliver: async (job, report, { deadlineMs, signal }) => {
    const outcome = await sendReport(job.callbackUrl, report, {
      secret: config.REPORT_SIGNING_SECRET,
      deadlineMs,
      signal,
      onRetry: (info) => logger.warn("report_retry", { jobId: job.jobId, ...info }),
    });
    if (!outcome.delivered)
      throw new Error(`report not delivered after ${outcome.attempts} attempts: ${outcome.lastError}`);
    logger.info("report_delivered", { jobId: job.jobId, status: report.status, attempts: outcome.attempts });
  },
});

const app = createApp({
  config,
  queue,
  metrics,
  logger,
  modelVersion: () => engine?.modelVersion,
  isShuttingDown: () => shuttingDown,
});

const http = startHttpServer(app.fetch, { hostname: config.NODE_HOST, port: config.NODE_PORT });
http.listening.then(
  (info) => logger.info("listening", { host: info.address, port: info.port, nodeId: config.NODE_ID }),
  (error: unknown) => {
    logger.error("listen_failed", { error });
    process.exit(1);
  },
);

/** After the reports are flushed, connections still open get this long before they are cut. */
const CONNECTION_DRAIN_MS = 1_000;

let shutdownPromise: Promise<void> | undefined;
/** Idempotent: the second signal joins the first shutdown instead of starting another. */
function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shutdownPromise !== undefined) {
    logger.warn("shutdown_already_running", { signal });
    return shutdownPromise;
  }
  shuttingDown = true;
  logger.info("shutdown_started", { signal, ...queue.capacity });
  shutdownPromise = (async () => {
    const { drained } = await queue.shutdown(config.NODE_SHUTDOWN_GRACE_MS);
    logger.info("shutdown_reports_flushed", { drained });
    // Half-sent requests would otherwise hold the process open past systemd's stop timeout.
    await http.drain(CONNECTION_DRAIN_MS);
    await engine?.dispose().catch((error: unknown) => logger.warn("engine_dispose_failed", { error }));
    clipStore.close();
    logger.info("shutdown_complete", { drained });
    process.exit(0);
  })();
  return shutdownPromise;
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

try {
  const loadStartedMs = Date.now();
  const loaded = await createEngine({
    workers: config.NODE_INFERENCE_WORKERS,
    ...(config.NODE_MODEL_PATH === undefined ? {} : { modelPath: config.NODE_MODEL_PATH }),
    ...(config.NODE_INTRA_OP_THREADS === undefined ? {} : { intraOpThreads: config.NODE_INTRA_OP_THREADS }),
  });
  if (shuttingDown) await loaded.dispose();
  else {
    engine = loaded;
    logger.info("model_loaded", {
      modelVersion: loaded.modelVersion,
      loadMs: Date.now() - loadStartedMs,
      inferenceWorkers: config.NODE_INFERENCE_WORKERS,
    });
  }
} catch (error) {
  logger.error("model_load_failed", { error });
  process.exit(1);
}
