/**
 * `npm run bench:ingest`: Limitless ingestion figures on the local stack (the Limitless stand-in serving
 * a 2-hour Ogg Opus window made from the dev recordings; constant 28 kbit/s so that it weighs what a
 * pendant's busy 2 hours do, ≈ 25 MB, rather than the few MB Opus makes of the dev set's silences).
 *
 * 1. Memory while the `ingest` function moves one 2-hour window into storage, window after window on the
 *    same Deno process: first on a fresh process (cold: the code paths compile), then BENCH_WARM_WINDOWS
 *    (default 3) more (warm: garbage of the earlier windows may still be uncollected), then twice with
 *    four times the bytes (memory must not follow the body's size). Two figures per window:
 *    - isolate peak: the highest V8 heap used + external (ArrayBuffer backing stores: the part buffer,
 *      fetch bodies) in one `Deno.memoryUsage()` sample, taken every 5 ms inside the function
 *      (memory-sampler.ts): what the isolate itself allocates, the figure the 64 MB bar is read against
 *      (Supabase's 256 MB Edge limit is per isolate).
 *    - process RSS: resident set of the whole Deno process from /proc every 10 ms (idle before, peak
 *      during, growth), which also holds Deno's own runtime (~61 MiB idle) and allocator slack.
 *    The last line gives the highest isolate peak over all windows against 64 MB (64,000,000 bytes).
 * 2. Throughput: BENCH_WINDOWS (default 8) such windows of two users, one kick at the default concurrency.
 * 3. Planning: windows/s planned by `queue.plan_ingest()` for BENCH_USERS (default 1000) users with a key
 *    and the default 7-day backfill, then the idempotent re-run of the next hour.
 *
 * Options (env): BENCH_WINDOW_MINUTES=120, BENCH_WARM_WINDOWS=3, BENCH_WINDOWS=8, BENCH_USERS=1000,
 * BENCH_DIR=.tmp/bench.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { serveNight, storeLimitlessKey } from "../../infra/local/limitless-night.ts";
import { startLocalStack } from "../../infra/local/local-stack.ts";
import { createUser } from "../../infra/local/nightly-cycle.ts";
import { addDays, localDateOf, zonedTimeToInstant } from "../../shared/time/zoned-time.ts";
import { makeBenchOpus } from "./make-bench-audio.ts";

const windowMinutes = Number(process.env.BENCH_WINDOW_MINUTES ?? 120);
const warmWindows = Number(process.env.BENCH_WARM_WINDOWS ?? 3);
const windowCount = Number(process.env.BENCH_WINDOWS ?? 8);
const userCount = Number(process.env.BENCH_USERS ?? 1000);
const dir = resolve(process.env.BENCH_DIR ?? ".tmp/bench");
mkdirSync(dir, { recursive: true });

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
/** The bar: 64 MB, read as 64,000,000 bytes (the stricter reading; 64 MiB would be 67.1 MB). */
const ISOLATE_BAR_BYTES = 64_000_000;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** The bench recording re-encoded at a constant `bitrateKbps` (cached). */
async function makeWindowAudio(bitrateKbps: number): Promise<string> {
  const path = join(dir, `window-${windowMinutes}min-cbr${bitrateKbps}.opus`);
  if (existsSync(path)) return path;
  const source = await makeBenchOpus(dir, windowMinutes);
  execFileSync("sh", [
    "-c",
    'opusdec --quiet --rate 16000 --force-wav "$1" - | opusenc --quiet --hard-cbr --bitrate "$3" --ignorelength - "$2"',
    "sh",
    source,
    `${path}.part`,
    String(bitrateKbps),
  ]);
  renameSync(`${path}.part`, path);
  return path;
}

console.log(`building a ${windowMinutes}-minute Ogg Opus window (cached in ${dir}) …`);
const audioPath = await makeWindowAudio(28);
const audio = new Uint8Array(readFileSync(audioPath));
console.log(`window audio: ${mb(statSync(audioPath).size)} (${audioPath})`);
// Four times the bytes in the same 2 hours (112 kbit/s): the function checks each window's duration and
// byte cap, so a bigger body has to be denser audio, not a longer one; the cap is raised to let it in.
const fourfoldPath = await makeWindowAudio(4 * 28);
const fourfold = new Uint8Array(readFileSync(fourfoldPath));
console.log(`4× window audio: ${mb(fourfold.byteLength)} (${fourfoldPath})`);

const stack = await startLocalStack({
  cron: false,
  log: () => {},
  ingestEnv: { INGEST_MAX_BITRATE_FACTOR: "8" },
});
try {
  await stack.sql`update queue.ingest_settings set backfill_days = 1, day_grace = '0 seconds'`;
  const now = new Date();
  const ingestPid = stack.functions.ingest.process.pid;
  if (ingestPid === undefined) throw new Error("the ingest function has no pid");

  // 1. Memory while moving one window, cold then warm.
  const day = addDays(localDateOf(now, "UTC"), -1);
  const dayStartMs = zonedTimeToInstant(day, "00:00", "UTC").getTime();
  console.log("");
  // The last runs serve a window of four times the bytes (≈ 100 MB): memory must not follow the body's size.
  const runs: [string, Uint8Array][] = [
    ["cold", audio],
    ...Array.from({ length: warmWindows }, (_, i): [string, Uint8Array] => [`warm ${i + 1}`, audio]),
    ["warm, 4× the bytes", fourfold],
    ["warm, 4× the bytes again", fourfold],
  ];
  let highestIsolate = { run: "", bytes: 0 };
  console.log(
    "isolate peak = V8 heap used + external (ArrayBuffers), Deno.memoryUsage() every 5 ms inside the function; process RSS = /proc every 10 ms, includes Deno's runtime",
  );
  for (const [run, body] of runs) {
    const memoryUser = await createUser(stack, `Mem${run}`, "UTC");
    serveNight(stack, `sk-bench-memory-${run.replace(/\W+/g, "-")}`, dayStartMs, new Map([[5, body]]));
    await storeLimitlessKey(stack, memoryUser, `sk-bench-memory-${run.replace(/\W+/g, "-")}`);
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = rssBytes(ingestPid);
    let peakRss = idleRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssBytes(ingestPid));
    }, 10);
    const memoryStarted = performance.now();
    const memoryRun = await stack.ingest();
    clearInterval(sampler);
    if (memoryRun.downloaded !== 1)
      throw new Error(`expected one window downloaded: ${JSON.stringify(memoryRun)}`);
    const isolate = memoryRun.memory;
    if (isolate.isolateBytes > highestIsolate.bytes) highestIsolate = { run, bytes: isolate.isolateBytes };
    console.log(
      `memory, ${run} (one window, ${mb(memoryRun.bytes)}, ${((performance.now() - memoryStarted) / 1000).toFixed(1)} s): isolate peak ${mb(isolate.isolateBytes)} (V8 heap ${mb(isolate.heapUsedBytes)} + external ${mb(isolate.externalBytes)}, each its own peak); process RSS idle ${mb(idleRss)}, peak ${mb(peakRss)}, growth ${mb(peakRss - idleRss)}`,
    );
  }
  console.log(
    `memory, highest isolate peak over ${runs.length} windows: ${mb(highestIsolate.bytes)} = ${(highestIsolate.bytes / 1e6).toFixed(1)} MB (${highestIsolate.run}), ${highestIsolate.bytes < ISOLATE_BAR_BYTES ? "under" : "OVER"} the 64 MB bar`,
  );

  // 2. Throughput: windows of two users (the per-user limit is 2 downloads at once).
  const perUser = Math.ceil(windowCount / 2);
  for (const [i, name] of ["Tia", "Tom"].entries()) {
    const user = await createUser(stack, name, "UTC");
    const windows = new Map<number, Uint8Array>();
    for (let w = 0; w < perUser && i * perUser + w < windowCount; w++) windows.set(w, audio);
    serveNight(stack, `sk-bench-throughput-${name}`, dayStartMs, windows);
    await storeLimitlessKey(stack, user, `sk-bench-throughput-${name}`);
  }
  const throughputStarted = performance.now();
  let downloaded = 0;
  let bytes = 0;
  let concurrentIsolateBytes = 0;
  while (downloaded < windowCount) {
    const run = await stack.ingest();
    downloaded += run.downloaded;
    bytes += run.bytes;
    concurrentIsolateBytes = Math.max(concurrentIsolateBytes, run.memory.isolateBytes);
    if (run.claimed === 0) break;
  }
  const seconds = (performance.now() - throughputStarted) / 1000;
  console.log(
    `throughput: ${downloaded} windows, ${mb(bytes)} in ${seconds.toFixed(1)} s = ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MiB/s, ${(downloaded / seconds).toFixed(2)} windows/s (stand-in → ingest → s3rver, INGEST_CONCURRENCY 4, 2 per user); isolate peak with 4 windows at once ${mb(concurrentIsolateBytes)} (a part buffer each)`,
  );

  // 3. Planning for many users.
  await stack.sql`update queue.ingest_settings set backfill_days = 7`;
  await stack.sql`
    insert into auth.users (email, raw_user_meta_data)
    select 'bench-' || i || '@bench.local',
           jsonb_build_object('time_zone', (array['UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Chatham'])[1 + i % 4])
    from generate_series(1, ${userCount}) as i`;
  await stack.sql`
    insert into private.limitless_keys (user_id, ciphertext, iv, kek_version)
    select p.user_id, '\\x00'::bytea, '\\x000000000000000000000000'::bytea, 1 from public.profiles p
    where not exists (select 1 from private.limitless_keys k where k.user_id = p.user_id)`;
  const planStarted = performance.now();
  const [planned] = await stack.sql`select * from queue.plan_ingest(${now})`;
  const planSeconds = (performance.now() - planStarted) / 1000;
  const againStarted = performance.now();
  const [again] = await stack.sql`select * from queue.plan_ingest(${new Date(now.getTime() + 3_600_000)})`;
  const againSeconds = (performance.now() - againStarted) / 1000;
  console.log(
    `planning: ${planned.windows_planned} windows (+ ${planned.jobs_enqueued} jobs) for ${userCount} users × 7 days in ${planSeconds.toFixed(2)} s = ${Math.round(planned.windows_planned / planSeconds)} windows/s; the next hour's re-run planned ${again.windows_planned} in ${againSeconds.toFixed(2)} s`,
  );
} finally {
  await stack.stop();
}
process.exit(0);
