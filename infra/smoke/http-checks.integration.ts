/**
 * The smoke checker's HTTP checks against real local pieces that speak the production protocol: the Edge
 * Functions under Deno (a function's own answer to an unauthenticated call) and a real inference node
 * process (`/readyz`). The Supabase gateway and Management API are not stood in for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authEnv,
  FUNCTIONS_CONFIG,
  startTestAuth,
  storageEnv,
} from "../../supabase/tests/functions-helpers.ts";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { freePort } from "../../test/harness/free-port.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import {
  engineAvailable,
  type NodeProcess,
  startNodeProcess,
} from "../../test/integration/inference-node-process.ts";
import { checkFunctionsAnswer, checkNodesReady } from "./http-checks.ts";

let db: TestDatabase;
let s3: S3Endpoint;
let dispatch: DenoServer;
let laughs: DenoServer;
let auth: RunningAuthServer;
let node: NodeProcess | undefined;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  auth = await startTestAuth(db.sql);
  [dispatch, laughs, node] = await Promise.all([
    startDenoServer("supabase/functions/dispatch/index.ts", {
      config: FUNCTIONS_CONFIG,
      env: {
        SUPABASE_DB_URL: db.url,
        DISPATCH_TOKEN: "smoke-test-dispatch-token-0123456789",
        INFERENCE_NODE_URLS: "http://127.0.0.1:9",
        INFER_SIGNING_SECRET: "smoke-test-infer-secret-0123456789abcdef",
        REPORT_URL: "http://127.0.0.1:9/report",
        ...storageEnv(s3),
      },
    }),
    startDenoServer("supabase/functions/laughs/index.ts", {
      config: FUNCTIONS_CONFIG,
      env: { SUPABASE_DB_URL: db.url, ...authEnv(auth), ...storageEnv(s3) },
    }),
    engineAvailable ? startNodeProcess(s3) : Promise.resolve(undefined),
  ]);
});

afterAll(async () => {
  await Promise.all([dispatch?.stop(), laughs?.stop(), node?.stop()]);
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

describe("checkFunctionsAnswer", () => {
  it("passes when each function refuses an unauthenticated call with 401", async () => {
    const result = await checkFunctionsAnswer([
      { name: "dispatch", url: `${dispatch.url}/dispatch` },
      { name: "laughs", url: `${laughs.url}/laughs` },
    ]);
    expect(result).toEqual({
      name: "functions answer",
      status: "pass",
      summary: "2 of 2 answer 401 without credentials",
      details: [
        "dispatch: HTTP 401, refuses unauthenticated calls, as it should",
        "laughs: HTTP 401, refuses unauthenticated calls, as it should",
      ],
    });
  });

  it("fails on a function that is not there or not listening, saying which", async () => {
    const closedPort = await freePort();
    const result = await checkFunctionsAnswer([
      { name: "report", url: `${dispatch.url}/report` },
      { name: "recordings", url: `http://127.0.0.1:${closedPort}/recordings` },
    ]);
    expect(result.status).toBe("fail");
    expect(result.details?.[0]).toBe("report: HTTP 404, not found: not deployed here");
    expect(result.details?.[1]).toMatch(/^recordings: fetch failed \(ECONNREFUSED/);
  });
});

describe("checkNodesReady", () => {
  it.skipIf(!engineAvailable)("passes on a ready node and fails on one that does not answer", async () => {
    const closedPort = await freePort();
    const result = await checkNodesReady([node?.url ?? "", `http://127.0.0.1:${closedPort}`]);
    expect(result.status).toBe("fail");
    expect(result.summary).toBe("1 of 2 ready");
    expect(result.details?.[0]).toMatch(/: HTTP 200, ready, model yamnet-onnx@[0-9a-f]{12}, \d+ free$/);
    expect(result.details?.[1]).toMatch(/ECONNREFUSED/);
    expect((await checkNodesReady([node?.url ?? ""])).status).toBe("pass");
  });

  it("is skipped, saying why, without node URLs", async () => {
    expect(await checkNodesReady([])).toMatchObject({ status: "skip" });
  });
});
