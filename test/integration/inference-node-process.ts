/**
 * @module
 * Helpers for the inference-node integration tests: run `server.ts` as a real child process (as
 * systemd does), POST signed batches to it, and build test recordings from the dev set with sox.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { request } from "undici";
import type { InferJob, InferRequest } from "../../shared/schemas/infer-request.ts";
import { signRequest } from "../../shared/signing/hmac-signature.ts";
import { freePort } from "../harness/free-port.ts";
import { type HttpProcess, startHttpProcess } from "../harness/http-process.ts";
import { clipsEnv, type S3Endpoint } from "../harness/s3.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, "../..");
export const devAudioDir = DEV_AUDIO_DIR;
/** Signs POST /infer (dispatch → node). */
export const inferSecret = "integration-infer-secret-0123456789abcdef0123";
/** Signs the job reports (node → report function). */
export const reportSecret = "integration-report-secret-0123456789abcdef012";

/** The real engine needs engine.ts and the converted model (`npm run build:model`). */
export const engineAvailable =
  existsSync(join(repoRoot, "inference-node/src/engine/engine.ts")) &&
  existsSync(join(repoRoot, "models/build/yamnet.onnx"));
export const soxAvailable = existsSync("/usr/bin/sox") || existsSync("/usr/local/bin/sox");

export interface NodeProcess extends HttpProcess {
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
}

/** Starts `server.ts` on a free port and waits until /readyz says ready (model loaded). */
export async function startNodeProcess(
  s3: S3Endpoint,
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  const port = await freePort();
  const node = await startHttpProcess(process.execPath, ["bin/run-ts.mjs", "inference-node/src/server.ts"], {
    port,
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ID: "it-node-1",
      NODE_PORT: String(port),
      INFER_SIGNING_SECRET: inferSecret,
      REPORT_SIGNING_SECRET: reportSecret,
      ...clipsEnv(s3),
      ...env,
    },
    readyPath: "/readyz",
    isReady: (status) => status === 200,
    startTimeoutMs: 60_000,
    killAfterMs: 30_000,
    name: "inference node",
  });
  return {
    ...node,
    logs: () =>
      node
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** POSTs a signed batch to /infer. */
export async function postInfer(url: string, jobs: InferJob[], secret = inferSecret, nowMs = Date.now()) {
  const body = JSON.stringify({ jobs } satisfies InferRequest);
  const res = await request(`${url}/infer`, {
    method: "POST",
    body,
    headers: {
      ...(await signRequest(secret, { method: "POST", url: `${url}/infer`, body }, nowMs)),
      "content-type": "application/json",
    },
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  };
}

/**
 * A ~`seconds` long 16 kHz mono WAV night: every dev-set `laugh_*.wav` (resampled to 16 kHz mono)
 * followed by 8 s of silence, repeated, then cut to length.
 */
export async function buildNightRecording(dir: string, seconds: number): Promise<string> {
  const { readdir } = await import("node:fs/promises");
  const laughs = (await readdir(devAudioDir)).filter((name) => /^laugh_\d+\.wav$/.test(name)).sort();
  const silence = join(dir, "silence.wav");
  await run("sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "8"]);
  const parts: string[] = [];
  for (const [i, name] of laughs.entries()) {
    const out = join(dir, `laugh-${i}.wav`);
    await run("sox", ["-V1", join(devAudioDir, name), "-r", "16000", "-c", "1", "-b", "16", out]);
    parts.push(out, silence);
  }
  const once = join(dir, "once.wav");
  await run("sox", ["-V1", ...parts, once]);
  const { stdout } = await run("soxi", ["-D", once]);
  const repeats = Math.ceil(seconds / Number(stdout.trim()));
  const night = join(dir, "night.wav");
  await run("sox", [
    "-V1",
    ...Array.from({ length: repeats }, () => once),
    night,
    "trim",
    "0",
    String(seconds),
  ]);
  return night;
}

/** A job for `audioUrl` reporting to `callbackUrl`, due in 10 minutes. */
export function integrationJob(
  audioUrl: string,
  callbackUrl: string,
  overrides: Partial<InferJob> = {},
): InferJob {
  return {
    jobId: crypto.randomUUID(),
    leaseToken: crypto.randomUUID(),
    audioUrl,
    recordingStartedAt: "2026-11-27T08:00:00Z",
    format: "auto",
    clipKeyPrefix: `user-${crypto.randomUUID().slice(0, 8)}/rec-1/`,
    callbackUrl,
    deadline: new Date(Date.now() + 10 * 60_000).toISOString(),
    ...overrides,
  };
}

/**
 * Polls `url` back to back from a separate process (so the test process's own event loop, busy
 * serving audio and s3rver, does not inflate the figures) until `stop()`; returns latencies in ms.
 */
export function startLatencyProbe(url: string): { stop(): Promise<number[]> } {
  const script = `
    let stop = false;
    process.stdin.on("data", () => { stop = true; });
    const latencies = [];
    while (!stop) {
      const t = performance.now();
      const res = await fetch(${JSON.stringify(url)});
      await res.arrayBuffer();
      if (res.status !== 200) { console.error("status " + res.status); process.exit(1); }
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    process.stdout.write(JSON.stringify(latencies));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  child.stdout?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  const exited = once(child, "exit");
  return {
    async stop() {
      child.stdin?.end("stop\n");
      const [code] = await exited;
      if (code !== 0) throw new Error(`latency probe exited with ${code}`);
      return JSON.parse(output) as number[];
    },
  };
}

/** p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}
