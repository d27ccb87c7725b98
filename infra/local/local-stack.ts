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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { z } from "zod";
import { type RunningAuthServer, startAuthServer } from "../../test/harness/auth-server.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { freePort } from "../../test/harness/free-port.ts";
import { type HttpProcess, startHttpProcess } from "../../test/harness/http-process.ts";
import { type LimitlessStandIn, startLimitlessServer } from "../../test/harness/limitless-server.ts";
import {
  cachedTemplateCluster,
  type RunningCluster,
  startClusterFromTemplate,
  startExistingCluster,
} from "../../test/harness/postgres-cluster.ts";
import { clipsEnv, type S3Endpoint, startS3, storageEnv } from "../../test/harness/s3.ts";
import { startGateway } from "./gateway.ts";
import { type IngestSummary, ingestSummarySchema } from "./limitless-night.ts";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** The built page (`npm run build:web`). */
export const WEB_DIST_DIR = join(REPO_ROOT, "web/dist");
/** The PostgreSQL template the stack starts from, kept while the migrations stay the same. */
const TEMPLATE_CACHE_DIR = join(REPO_ROOT, ".tmp/pg-template");
/** Where `npm run stack -- --keep` keeps its data, and where the token and night commands find it. */
export const KEPT_STACK_DIR = join(REPO_ROOT, ".tmp/stack");

const stackStateSchema = z
  .object({
    jwtSecret: z.string(),
    inferSecret: z.string(),
    reportSecret: z.string(),
    dispatchToken: z.string(),
    anonKey: z.string(),
    limitlessKek: z.string(),
    dbUrl: z.string(),
    gatewayUrl: z.string(),
    dispatchUrl: z.string(),
  })
  .partial();

/** What a kept stack needs to be reached again by the helper commands (written to `<dataDir>/state.json`). */
export interface StackState {
  jwtSecret: string;
  /** One secret per direction, as in production: dispatch → node, node → report. */
  inferSecret: string;
  reportSecret: string;
  dispatchToken: string;
  anonKey: string;
  /** Base64 AES-256 key-encryption key of the limitless-key and ingest functions. */
  limitlessKek: string;
  dbUrl?: string;
  gatewayUrl?: string;
  dispatchUrl?: string;
}

function loadOrCreateState(dataDir: string | undefined): StackState {
  const path = dataDir === undefined ? undefined : join(dataDir, "state.json");
  const fresh: StackState = {
    jwtSecret: randomSecret(),
    inferSecret: randomSecret(),
    reportSecret: randomSecret(),
    dispatchToken: randomSecret(),
    anonKey: "local-anon-key",
    limitlessKek: randomBytes(32).toString("base64"),
  };
  if (path === undefined || !existsSync(path)) return fresh;
  // A kept stack's own file: fill in what an older run did not write yet.
  return { ...fresh, ...stackStateSchema.parse(JSON.parse(readFileSync(path, "utf8"))) };
}
const FUNCTIONS_DIR = join(REPO_ROOT, "supabase/functions");
export const FUNCTION_NAMES = [
  "dispatch",
  "report",
  "recordings",
  "laughs",
  "me",
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
  /** Called once per startup step with what is now up (`npm run stack` and `npm run demo` print it). */
  progress?: (step: string) => void;
  /**
   * Keep the database, the stored objects and the secrets in this folder between runs (`npm run stack --
   * --keep`); by default everything lives in temp folders removed by `stop()`.
   */
  dataDir?: string;
  /** Port of the gateway (default: a free one). */
  gatewayPort?: number;
  /** Extra settings of the ingest function (e.g. a larger INGEST_MAX_BITRATE_FACTOR in the bench). */
  ingestEnv?: Record<string, string>;
  /** Extra settings of the recordings function (e.g. a small MAX_RECORDING_BYTES to exercise parts). */
  recordingsEnv?: Record<string, string>;
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
  /**
   * Supabase Auth's stand-in (legacy HS256 secret), which the functions ask to verify user tokens; also
   * served by the gateway at `${gatewayUrl}/auth/v1` (users with passwords).
   */
  auth: RunningAuthServer;
  /** Secret used to sign user JWTs (HS256), like a Supabase project's legacy JWT secret. */
  jwtSecret: string;
  dispatchToken: string;
  /** One port with Supabase's paths: `/functions/v1/<name>`, `/auth/v1/…`, and the page (gateway.ts). */
  gatewayUrl: string;
  /** The anon key supabase-js is created with (the stand-in does not check it, as Auth's routes don't need it). */
  anonKey: string;
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

// The AWS SDK prints a notice once per process on Node < 22 (releases after January 2027 need Node 22; the
// lockfile pins one that runs on 20, see README "Tests"). This is the SDK's documented opt-out; it is set
// here, before any S3 client exists, and the inference node process inherits it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

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

/** A settled promise's value, or its failure thrown. */
function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/** Starts everything; `stop()` tears it all down (also on failure halfway). */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const {
    leaseSeconds = 300,
    cron = true,
    verbose = false,
    log = (line: string) => console.log(line),
    progress = () => {},
  } = options;
  const step = progress;
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
  // The inference node (its model load is the longest start-up) starts first: it needs only S3 and its
  // secrets, not the database, so its start overlaps PostgreSQL's and the functions'.
  let nodeStarting: Promise<InferenceNodeProcess> | undefined;
  let startedNode: InferenceNodeProcess | undefined;
  try {
    const { dataDir } = options;
    const s3Dir = dataDir === undefined ? undefined : join(dataDir, "s3");
    if (s3Dir !== undefined) mkdirSync(s3Dir, { recursive: true });
    const s3 = await startS3({ directory: s3Dir });
    cleanups.push(() => s3.stop());
    step(`S3 (s3rver) up at ${s3.endpoint}`);

    const state = loadOrCreateState(dataDir);
    const { jwtSecret, inferSecret, reportSecret, dispatchToken, anonKey } = state;
    const nodePort = await freePort();
    const nodeEnv = {
      NODE_ID: "local-node-1",
      INFER_SIGNING_SECRET: inferSecret,
      REPORT_SIGNING_SECRET: reportSecret,
      ...clipsEnv(s3),
      ...options.nodeEnv,
    };
    cleanups.push(() => startedNode?.stop());
    nodeStarting = startNode(nodeEnv, nodePort, log, verbose).then((started) => {
      startedNode = started;
      step(`inference node up at ${started.url}`);
      return started;
    });
    // Its failure is thrown below (allSettled); this only keeps an early one from counting as unhandled.
    nodeStarting.catch(() => {});

    const pgDir = dataDir === undefined ? undefined : join(dataDir, "pg");
    let db: RunningCluster;
    if (pgDir !== undefined && existsSync(join(pgDir, "PG_VERSION"))) {
      db = await startExistingCluster(pgDir);
    } else {
      // Kept between runs while the migrations stay the same (building it is the slowest step).
      const template = await cachedTemplateCluster(TEMPLATE_CACHE_DIR);
      step(
        template.built
          ? "PostgreSQL 15 template built (platform mirror + migrations; kept in .tmp/pg-template)"
          : "PostgreSQL 15 template reused from .tmp/pg-template",
      );
      db = await startClusterFromTemplate(template.dir, { dataDir: pgDir });
    }
    cleanups.push(() => db.stop({ keepData: dataDir !== undefined }));
    step(`PostgreSQL 15 + pg_cron up on port ${db.port}`);
    const sql = postgres(db.url, { max: 5, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 5 }));
    if (!cron) await sql`select cron.alter_job(jobid, active := false) from cron.job`;

    // Auth (HS256 with the project's JWT secret); the gateway also serves it at /auth/v1.
    const auth = await startAuthServer({ signing: { kind: "hs256", secret: jwtSecret }, sql });
    cleanups.push(() => auth.close());
    const nodeUrl = `http://127.0.0.1:${nodePort}`;
    const functionEnv: Record<string, string> = {
      SUPABASE_DB_URL: db.url,
      SUPABASE_URL: auth.url,
      SUPABASE_ANON_KEY: anonKey,
      DISPATCH_TOKEN: dispatchToken,
      INFERENCE_NODE_URLS: nodeUrl,
      LEASE_SECONDS: String(leaseSeconds),
      ...storageEnv(s3),
    };

    const limitless = await startLimitlessServer();
    cleanups.push(() => limitless.close());
    step(`Limitless API stand-in up at ${limitless.url}`);
    const ingestToken = randomSecret();
    functionEnv.LIMITLESS_API_URL = limitless.url;
    // The key-encryption key (production: the LIMITLESS_KEKS function secret); kept with --keep, so stored
    // keys stay readable across runs.
    functionEnv.LIMITLESS_KEKS = `1:${state.limitlessKek}`;
    functionEnv.INGEST_TOKEN = ingestToken;

    const startFunction = async (name: FunctionName, env: Record<string, string>) => {
      const server = await startDenoServer(join(FUNCTIONS_DIR, name, "index.ts"), {
        env,
        config: join(FUNCTIONS_DIR, "deno.json"),
      });
      cleanups.push(() => server.stop());
      step(`Edge Function ${name} up (Deno)`);
      return server;
    };
    // Everything at once (the processes' start-ups overlap); dispatch waits for report, whose URL it needs.
    // Each function gets only its own direction's secret.
    const reportStarting = startFunction("report", { ...functionEnv, REPORT_SIGNING_SECRET: reportSecret });
    const starting: Record<FunctionName, Promise<DenoServer>> = {
      report: reportStarting,
      dispatch: reportStarting.then((server) =>
        startFunction("dispatch", {
          ...functionEnv,
          INFER_SIGNING_SECRET: inferSecret,
          REPORT_URL: `${server.url}/report`,
        }),
      ),
      recordings: startFunction("recordings", { ...functionEnv, ...options.recordingsEnv }),
      laughs: startFunction("laughs", functionEnv),
      me: startFunction("me", functionEnv),
      ingest: startFunction("ingest", { ...functionEnv, ...options.ingestEnv }),
      "limitless-key": startFunction("limitless-key", functionEnv),
    };
    // allSettled, not all: every process that did start is registered for cleanup before we throw.
    for (const result of await Promise.allSettled([...Object.values(starting), nodeStarting])) {
      settledValue(result);
    }
    // All settled and none failed: these awaits only unwrap.
    const functions: Record<FunctionName, DenoServer> = {
      report: await starting.report,
      dispatch: await starting.dispatch,
      recordings: await starting.recordings,
      laughs: await starting.laughs,
      me: await starting.me,
      ingest: await starting.ingest,
      "limitless-key": await starting["limitless-key"],
    };
    let node = await nodeStarting;

    const gateway = await startGateway({
      ...(options.gatewayPort === undefined ? {} : { port: options.gatewayPort }),
      functions: Object.fromEntries(FUNCTION_NAMES.map((name) => [name, functions[name].url])),
      // The stand-in's tokens carry its own URL as iss, which is what the functions expect.
      auth: auth.service.app,
      webDir: WEB_DIST_DIR,
      anonKey,
      storageUrl: s3.endpoint,
    });
    cleanups.push(() => gateway.stop());
    step(`gateway up at ${gateway.url} (functions, auth, page)`);
    const gatewayUrl = gateway.url;

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

    if (dataDir !== undefined) {
      const saved: StackState = { ...state, dbUrl: db.url, gatewayUrl, dispatchUrl: functionUrl("dispatch") };
      writeFileSync(join(dataDir, "state.json"), `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    }

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
        startedNode = node;
        return node;
      },
      auth,
      jwtSecret,
      dispatchToken,
      gatewayUrl,
      anonKey,
      dispatch,
      limitless,
      ingestToken,
      ingest,
      stop: stopAll,
    };
  } catch (error) {
    // A node still starting is registered for cleanup once it is up (or has failed).
    await nodeStarting?.catch(() => {});
    await stopAll();
    throw error;
  }
}
