/**
 * @module
 * The whole product on one machine, with no Docker and no accounts: a throwaway PostgreSQL 15 + pg_cron
 * cluster (Supabase platform mirror + every migration), s3rver for Storage's S3 protocol, the four Edge
 * Functions as real Deno processes, and the inference node as a real Node process. The pieces are wired
 * as in production: pg_cron's minute kick NOTIFYs (pg_net's stand-in), a listener here POSTs to the
 * dispatch function, dispatch presigns and calls the node, the node reports to the report function.
 *
 * Used by `npm run demo`, `npm run stack` and the e2e test.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { type RunningAuthServer, startAuthServer } from "../../test/harness/auth-server.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { freePort } from "../../test/harness/free-port.ts";
import { type HttpProcess, startHttpProcess } from "../../test/harness/http-process.ts";
import { type LimitlessStandIn, startLimitlessServer } from "../../test/harness/limitless-server.ts";
import {
  buildTemplateCluster,
  type RunningCluster,
  startClusterFromTemplate,
} from "../../test/harness/postgres-cluster.ts";
import { type S3Endpoint, startS3, storageEnv } from "../../test/harness/s3.ts";
import { type IngestSummary, ingestSummarySchema } from "./limitless-night.ts";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const FUNCTIONS_DIR = join(REPO_ROOT, "supabase/functions");
export const FUNCTION_NAMES = [
  "dispatch",
  "report",
  "recordings",
  "laughs",
  "ingest",
  "limitless-key",
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface LocalStackOptions {
  /** Lease per claimed job; short in tests that kill the node. */
  leaseSeconds?: number;
  /** Keep pg_cron's schedules running (the minute kick, the reaper, the hourly sweep). Default true. */
  cron?: boolean;
  /** Extra inference-node settings (see infra/node.env.example). */
  nodeEnv?: Record<string, string>;
  /** Print the node's and functions' logs. */
  verbose?: boolean;
  log?: (line: string) => void;
  /** Extra settings of the ingest function (e.g. a short INGEST_BACKOFF_BASE_SECONDS in tests). */
  ingestEnv?: Record<string, string>;
}

export type InferenceNodeProcess = HttpProcess;

export interface LocalStack {
  db: RunningCluster;
  /** Client of the Supabase `postgres` role (not a superuser, as on the platform). */
  sql: postgres.Sql;
  s3: S3Endpoint;
  functions: Record<FunctionName, DenoServer>;
  functionUrl(name: FunctionName): string;
  node: InferenceNodeProcess;
  /** Starts a new inference node process (after `node.stop()`), on the same port. */
  restartNode(): Promise<InferenceNodeProcess>;
  /** Supabase Auth's stand-in (legacy HS256 secret), which the functions ask to verify user tokens. */
  auth: RunningAuthServer;
  /** Secret used to sign user JWTs (HS256), like a Supabase project's legacy JWT secret. */
  jwtSecret: string;
  dispatchToken: string;
  /** POSTs to the dispatch function, as the pg_cron kick does in production. */
  dispatch(): Promise<unknown>;
  /** The Limitless stand-in the ingest and limitless-key functions talk to. */
  limitless: LimitlessStandIn;
  ingestToken: string;
  /** POSTs to the ingest function, as the pg_cron kick does in production; resolves with its summary. */
  ingest(): Promise<IngestSummary>;
  stop(): Promise<void>;
}

const randomSecret = () => randomBytes(32).toString("hex");

async function startNode(
  env: Record<string, string>,
  port: number,
  log: (line: string) => void,
  verbose: boolean,
): Promise<InferenceNodeProcess> {
  return await startHttpProcess(
    process.execPath,
    [join(REPO_ROOT, "bin/run-ts.mjs"), join(REPO_ROOT, "inference-node/src/server.ts")],
    {
      port,
      env: { ...process.env, ...env, NODE_PORT: String(port), NODE_HOST: "127.0.0.1" },
      readyPath: "/readyz",
      isReady: (status) => status === 200,
      // The node reports its running job as retryable on SIGTERM before exiting.
      killAfterMs: 30_000,
      onOutput: verbose
        ? (chunk) => {
            for (const line of chunk.trimEnd().split("\n")) log(`[node] ${line}`);
          }
        : undefined,
      name: "inference node",
    },
  );
}

/** Starts everything; `stop()` tears it all down (also on failure halfway). */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const {
    leaseSeconds = 300,
    cron = true,
    verbose = false,
    log = (line: string) => console.log(line),
  } = options;
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`cleanup failed: ${(error as Error).message}`);
      }
    }
  };
  try {
    const templateDir = await buildTemplateCluster();
    cleanups.push(() => rmSync(templateDir, { recursive: true, force: true }));
    const db = await startClusterFromTemplate(templateDir);
    cleanups.push(() => db.stop());
    const sql = postgres(db.url, { max: 5, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 5 }));
    if (!cron) await sql`select cron.alter_job(jobid, active := false) from cron.job`;

    const s3 = await startS3();
    cleanups.push(() => s3.stop());

    const jwtSecret = randomSecret();
    const auth = await startAuthServer({ signing: { kind: "hs256", secret: jwtSecret }, sql });
    cleanups.push(() => auth.close());
    // One secret per direction, as in production: dispatch → node, node → report.
    const inferSecret = randomSecret();
    const reportSecret = randomSecret();
    const dispatchToken = randomSecret();
    const nodePort = await freePort();
    const nodeUrl = `http://127.0.0.1:${nodePort}`;
    const functionEnv: Record<string, string> = {
      SUPABASE_DB_URL: db.url,
      SUPABASE_URL: auth.url,
      SUPABASE_ANON_KEY: randomSecret(),
      DISPATCH_TOKEN: dispatchToken,
      INFERENCE_NODE_URLS: nodeUrl,
      LEASE_SECONDS: String(leaseSeconds),
      ...storageEnv(s3),
    };

    const limitless = await startLimitlessServer();
    cleanups.push(() => limitless.close());
    const ingestToken = randomSecret();
    functionEnv.LIMITLESS_API_URL = limitless.url;
    // A KEK for this run only (production: the LIMITLESS_KEKS function secret).
    functionEnv.LIMITLESS_KEKS = `1:${randomBytes(32).toString("base64")}`;
    functionEnv.INGEST_TOKEN = ingestToken;

    // report first: dispatch needs its URL.
    const functions = {} as Record<FunctionName, DenoServer>;
    for (const name of ["report", "dispatch", "recordings", "laughs"] as const) {
      // Each function gets only its own direction's secret.
      const env =
        name === "dispatch"
          ? {
              ...functionEnv,
              INFER_SIGNING_SECRET: inferSecret,
              REPORT_URL: `${functions.report.url}/report`,
            }
          : name === "report"
            ? { ...functionEnv, REPORT_SIGNING_SECRET: reportSecret }
            : functionEnv;
      functions[name] = await startDenoServer(join(FUNCTIONS_DIR, name, "index.ts"), {
        env,
        config: join(FUNCTIONS_DIR, "deno.json"),
      });
      cleanups.push(() => functions[name].stop());
      if (verbose) log(`function ${name} at ${functions[name].url}`);
    }
    for (const name of ["ingest", "limitless-key"] as const) {
      functions[name] = await startDenoServer(join(FUNCTIONS_DIR, name, "index.ts"), {
        env: name === "ingest" ? { ...functionEnv, ...options.ingestEnv } : functionEnv,
        config: join(FUNCTIONS_DIR, "deno.json"),
      });
      cleanups.push(() => functions[name].stop());
      if (verbose) log(`function ${name} at ${functions[name].url}`);
    }

    const nodeEnv = {
      NODE_ID: "local-node-1",
      INFER_SIGNING_SECRET: inferSecret,
      REPORT_SIGNING_SECRET: reportSecret,
      CLIPS_S3_ENDPOINT: s3.endpoint,
      CLIPS_S3_REGION: s3.region,
      CLIPS_S3_ACCESS_KEY_ID: s3.accessKeyId,
      CLIPS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      CLIPS_BUCKET: s3.buckets.clips,
      ...options.nodeEnv,
    };
    let node = await startNode(nodeEnv, nodePort, log, verbose);
    cleanups.push(() => node.stop());

    const functionUrl = (name: FunctionName) => `${functions[name].url}/${name}`;
    const dispatch = async () => {
      // ?wait=1: the pass's result in the answer (the pg_net kick gets a 202 at once instead).
      const response = await fetch(`${functionUrl("dispatch")}?wait=1`, {
        method: "POST",
        headers: { authorization: `Bearer ${dispatchToken}`, "content-type": "application/json" },
        body: "{}",
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(`dispatch answered ${response.status}: ${JSON.stringify(body)}`);
      return body;
    };

    // pg_net's local stand-in: queue.kick_dispatch() NOTIFYs; we forward each kick to the dispatch function.
    let kicking = false;
    const listener = await sql.listen("giggles_dispatch", () => {
      if (kicking) return;
      kicking = true;
      dispatch()
        .catch((error) => log(`dispatch kick failed: ${(error as Error).message}`))
        .finally(() => {
          kicking = false;
        });
    });
    cleanups.push(() => listener.unlisten());

    const ingest = async (): Promise<IngestSummary> => {
      // ?wait=1: the run's summary in the answer (the pg_net kick gets a 202 at once instead).
      const response = await fetch(`${functionUrl("ingest")}?wait=1`, {
        method: "POST",
        headers: { authorization: `Bearer ${ingestToken}`, "content-type": "application/json" },
        body: "{}",
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(body)}`);
      return ingestSummarySchema.parse(body);
    };
    // The same stand-in for queue.kick_ingest(): NOTIFY giggles_ingest → POST /ingest.
    let ingesting = false;
    const ingestListener = await sql.listen("giggles_ingest", () => {
      if (ingesting) return;
      ingesting = true;
      ingest()
        .catch((error) => log(`ingest kick failed: ${(error as Error).message}`))
        .finally(() => {
          ingesting = false;
        });
    });
    cleanups.push(() => ingestListener.unlisten());

    return {
      db,
      sql,
      s3,
      functions,
      functionUrl,
      get node() {
        return node;
      },
      async restartNode() {
        await node.stop();
        node = await startNode(nodeEnv, nodePort, log, verbose);
        return node;
      },
      auth,
      jwtSecret,
      dispatchToken,
      dispatch,
      limitless,
      ingestToken,
      ingest,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
