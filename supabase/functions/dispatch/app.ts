/**
 * @module
 * `POST /dispatch`: the pg_cron kick (`queue.kick_dispatch()`, `Authorization: Bearer <DISPATCH_TOKEN>`)
 * wakes this function; it fills every inference node up to its free capacity with leased jobs.
 *
 * pg_net gives up on a request after 5 s while a pass may take up to DISPATCH_BUDGET_MS (100 s), so the
 * kick is answered at once and the pass runs after the response (`EdgeRuntime.waitUntil`, see
 * `_shared/background.ts`):
 * - 202 `{ started: true }`; or `{ started: false, reason: "PASS_RUNNING" }` when this isolate is still
 *   running the previous pass (the claims would only compete for the same node capacity);
 * - `?wait=1` (manual runs, the local stack, tests) runs the pass before answering: 200
 *   `{ nodes: [{ url, free, claimed, accepted, duplicates, released, error?, wallMs }], claimed,
 *   accepted, released, uploadsDeleted, wallMs }` (`uploadsDeleted`: objects of expired uploads removed
 *   from storage on the way, see delete-expired-uploads.ts);
 * - 400 body is not JSON / not the kick's shape; 401 bad or missing bearer; 405 other methods.
 *
 * @example
 * ```ts
 * const app = createDispatchApp({ config, sql });
 * const res = await app.request("/dispatch", { method: "POST", headers: { authorization: `Bearer ${token}` } });
 * ```
 */
import { Hono } from "hono";
import { backgroundRunner, type RunInBackground } from "../_shared/background.ts";
import type { Sql } from "../_shared/db.ts";
import { createErrorHandler, methodNotAllowed, notFound } from "../_shared/http-error.ts";
import { readKick } from "../_shared/kick.ts";
import { s3Credentials } from "../_shared/s3.ts";
import type { DispatchConfig } from "./config.ts";
import { deleteExpiredUploads } from "./delete-expired-uploads.ts";
import { dispatchToNode, type NodeSummary } from "./dispatch-to-node.ts";

export interface DispatchResult {
  nodes: NodeSummary[];
  claimed: number;
  accepted: number;
  released: number;
  /** Objects of expired uploads deleted from storage in this run (see delete-expired-uploads.ts). */
  uploadsDeleted: number;
  wallMs: number;
}

export interface DispatchAppDeps {
  config: DispatchConfig;
  sql: Sql;
  fetch?: typeof fetch;
  /** Runs the pass after the 202 (default: EdgeRuntime.waitUntil or its local equivalent). */
  runInBackground?: RunInBackground;
}

export function createDispatchApp({
  config,
  sql,
  fetch: doFetch,
  runInBackground = backgroundRunner(),
}: DispatchAppDeps): Hono {
  let passInFlight = false;
  const app = new Hono().basePath("/dispatch");
  app.onError(createErrorHandler("dispatch"));
  app.notFound(notFound);

  app.post("/", async (c) => {
    const { wait } = await readKick(c.req.raw, config.DISPATCH_TOKEN, "DISPATCH_TOKEN");
    if (!wait) {
      if (passInFlight) return c.json({ started: false, reason: "PASS_RUNNING" }, 202);
      passInFlight = true;
      runInBackground(
        runPass()
          .catch((error) => {
            const message = error instanceof Error ? error.message : String(error);
            console.error(JSON.stringify({ level: "error", event: "dispatch_failed", error: message }));
          })
          .finally(() => {
            passInFlight = false;
          }),
      );
      return c.json({ started: true }, 202);
    }
    return c.json(await runPass(), 200);
  });
  app.all("/", methodNotAllowed(["POST"]));
  return app;

  /** One pass over every node; throws only when every node failed. */
  async function runPass(): Promise<DispatchResult> {
    const started = performance.now();
    let remaining = config.DISPATCH_MAX_JOBS;
    const ctx = {
      sql,
      s3: s3Credentials(config),
      recordingsBucket: config.RECORDINGS_BUCKET,
      nodeSecret: config.INFER_SIGNING_SECRET,
      reportUrl: config.REPORT_URL,
      leaseSeconds: config.LEASE_SECONDS,
      nodeTimeoutMs: config.NODE_TIMEOUT_MS,
      budget: AbortSignal.timeout(config.DISPATCH_BUDGET_MS),
      // Nodes run in parallel; the allowance is split first come, first served (JS is single-threaded,
      // so reserve/giveBack cannot race).
      reserve: (wanted: number) => {
        const granted = Math.max(0, Math.min(wanted, remaining));
        remaining -= granted;
        return granted;
      },
      giveBack: (count: number) => {
        remaining += count;
      },
      ...(doFetch === undefined ? {} : { fetch: doFetch }),
    };
    // One node's database error must not hide what happened on the others.
    const settled = await Promise.allSettled(
      config.INFERENCE_NODE_URLS.map((url) => dispatchToNode(url, ctx)),
    );
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failures.length === settled.length) throw failures[0].reason;
    const nodes = settled.map((s, i): NodeSummary => {
      if (s.status === "fulfilled") return s.value;
      const reason = s.reason instanceof Error ? s.reason : new Error(String(s.reason));
      console.error(
        JSON.stringify({
          level: "error",
          event: "dispatch_node_failed",
          url: config.INFERENCE_NODE_URLS[i],
          error: reason.message,
        }),
      );
      return {
        url: config.INFERENCE_NODE_URLS[i],
        free: 0,
        claimed: 0,
        accepted: 0,
        duplicates: 0,
        released: 0,
        error: "INTERNAL: see the function logs; leased jobs are reaped when their lease expires",
        wallMs: 0,
      };
    });
    // Housekeeping after the nodes are served; its failure must not fail the dispatch.
    let uploadsDeleted = 0;
    try {
      uploadsDeleted = (
        await deleteExpiredUploads({
          sql,
          s3: ctx.s3,
          recordingsBucket: config.RECORDINGS_BUCKET,
          clipsBucket: config.CLIPS_BUCKET,
          maxCount: 20,
          timeoutMs: config.NODE_TIMEOUT_MS,
          ...(doFetch === undefined ? {} : { fetch: doFetch }),
        })
      ).deleted;
    } catch (error) {
      console.error(
        JSON.stringify({
          level: "error",
          event: "expired_upload_deletion_failed",
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
    const result: DispatchResult = {
      nodes,
      claimed: nodes.reduce((n, node) => n + node.claimed, 0),
      accepted: nodes.reduce((n, node) => n + node.accepted, 0),
      released: nodes.reduce((n, node) => n + node.released, 0),
      uploadsDeleted,
      wallMs: Math.round(performance.now() - started),
    };
    console.log(JSON.stringify({ level: "info", event: "dispatch_done", ...result, nodes: undefined }));
    return result;
  }
}
