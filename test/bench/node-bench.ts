/**
 * `npm run bench:node`: the inference node under a long night. Starts the production bundle
 * (`inference-node/dist/server.mjs`, with the systemd unit's memory settings) against s3rver and a local
 * callback receiver, sends one signed job for a 2-hour Ogg Opus recording (24 kbit/s, built from the dev
 * recordings), and probes GET /healthz back to back while it runs. Prints /healthz latency percentiles,
 * the node's peak RSS (process maximum, including the ONNX worker) and the job's wall time.
 *
 * Options (env): BENCH_NODE_MINUTES=120, BENCH_DIR=.tmp/bench
 */
import { spawn } from "node:child_process";
import { createReadStream, mkdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { resolve } from "node:path";
import { jobReportBatchSchema, type ReportItem } from "../../shared/schemas/job-report.ts";
import { signRequest } from "../../shared/signing/hmac-signature.ts";
import { freePort } from "../harness/free-port.ts";
import { clipsEnv, startS3 } from "../harness/s3.ts";
import { makeBenchOpus } from "./make-bench-audio.ts";

const minutes = Number(process.env.BENCH_NODE_MINUTES ?? "120");
const dir = resolve(process.env.BENCH_DIR ?? ".tmp/bench");
mkdirSync(dir, { recursive: true });
const audioPath = await makeBenchOpus(dir, minutes);

const readBody = async (req: IncomingMessage) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
};

const s3 = await startS3();
const audioPort = await freePort();
const audioServer = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "audio/ogg", "content-length": statSync(audioPath).size });
  createReadStream(audioPath).pipe(res);
}).listen(audioPort, "127.0.0.1");
type FinalReport = Exclude<ReportItem, { status: "started" }>;
let resolveReport: (report: FinalReport) => void = () => {};
const reported = new Promise<FinalReport>((r) => {
  resolveReport = r;
});
const callbackPort = await freePort();
const callbackServer = createServer(async (req, res) => {
  // The node sends a "started" notice first; the job's final report comes later, in another batch.
  const batch = jobReportBatchSchema.parse(JSON.parse(await readBody(req)));
  for (const report of batch.reports) if (report.status !== "started") resolveReport(report);
  res.writeHead(207, { "content-type": "application/json" }).end("{}");
}).listen(callbackPort, "127.0.0.1");

const secret = "bench-secret-bench-secret-bench-secret-0123";
const nodePort = await freePort();
const node = spawn(process.execPath, ["--max-semi-space-size=1", "inference-node/dist/server.mjs"], {
  env: {
    ...process.env,
    MALLOC_ARENA_MAX: "2",
    NODE_ID: "bench-node",
    NODE_PORT: String(nodePort),
    INFER_SIGNING_SECRET: secret,
    REPORT_SIGNING_SECRET: `${secret}-report`,
    ...clipsEnv(s3),
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const nodeUrl = `http://127.0.0.1:${nodePort}`;
for (;;) {
  const ready = await fetch(`${nodeUrl}/readyz`).catch(() => undefined);
  if (ready?.ok) break;
  await new Promise((r) => setTimeout(r, 200));
}

const body = JSON.stringify({
  jobs: [
    {
      jobId: "1",
      leaseToken: crypto.randomUUID(),
      audioUrl: `http://127.0.0.1:${audioPort}/night.opus`,
      recordingStartedAt: new Date().toISOString(),
      format: "ogg-opus",
      clipKeyPrefix: "bench/night/",
      callbackUrl: `http://127.0.0.1:${callbackPort}/report`,
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
    },
  ],
});
const started = performance.now();
const accepted = await fetch(`${nodeUrl}/infer`, {
  method: "POST",
  body,
  headers: {
    ...(await signRequest(secret, { method: "POST", url: `${nodeUrl}/infer`, body })),
    "content-type": "application/json",
  },
});
if (accepted.status !== 202) throw new Error(`/infer answered ${accepted.status}: ${await accepted.text()}`);

const latenciesMs: number[] = [];
let done = false;
void reported.then(() => {
  done = true;
});
while (!done) {
  const t = performance.now();
  await (await fetch(`${nodeUrl}/healthz`)).arrayBuffer();
  latenciesMs.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 10));
}
const wallMs = performance.now() - started;
const first = await reported;
node.kill("SIGTERM");
audioServer.close();
callbackServer.close();
await s3.stop();

latenciesMs.sort((a, b) => a - b);
const pct = (p: number) =>
  latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((p / 100) * latenciesMs.length))];
console.log(
  `${minutes}-minute Ogg Opus: ${first.status}${first.status === "failed" ? ` (${first.error.reason}: ${first.error.message})` : ""}, ${first.status === "completed" ? first.events.length : 0} events, wall ${(wallMs / 1000).toFixed(1)} s ` +
    `(${((first.stats?.audioSeconds ?? 0) / (wallMs / 1000)).toFixed(0)}× real time)`,
);
console.log(
  `peak RSS (node process, job stats) ${((first.stats?.peakRssBytes ?? 0) / 1048576).toFixed(1)} MB`,
);
console.log(
  `/healthz over ${latenciesMs.length} probes: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latenciesMs.at(-1)?.toFixed(1)} ms`,
);
