/**
 * `npm run bench:night`: a full night on the local stack — two users in different zones, each with 24 hours
 * of pendant audio (48 Ogg Opus recordings of 30 minutes, 24 kbit/s, built from the dev recordings) over
 * their yesterday — swept, dispatched to one inference node and reported back. Prints upload time, the
 * night's wall time and the events stored. Options (env): BENCH_NIGHT_HOURS=24, BENCH_DIR=.tmp/bench
 */
import { mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { startLocalStack } from "../../infra/local/local-stack.ts";
import { createUser, runNight, uploadRecording } from "../../infra/local/nightly-cycle.ts";
import { addDays, localDateOf, zonedTimeToInstant } from "../../shared/time/zoned-time.ts";
import { makeBenchOpus } from "./make-bench-audio.ts";

const hours = Number(process.env.BENCH_NIGHT_HOURS ?? "24");
const dir = resolve(process.env.BENCH_DIR ?? ".tmp/bench");
mkdirSync(dir, { recursive: true });
const chunk = new Uint8Array(readFileSync(await makeBenchOpus(dir, 30)));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const stack = await startLocalStack({ cron: false, leaseSeconds: 900, log: () => {} });
try {
  const now = new Date();
  const users = [
    await createUser(stack, "Ana", "America/Los_Angeles"),
    await createUser(stack, "Ravi", "Asia/Kolkata"),
  ];
  const uploadStarted = Date.now();
  for (const user of users) {
    const yesterday = addDays(localDateOf(now, user.timeZone), -1);
    const start = zonedTimeToInstant(yesterday, "00:00", user.timeZone).getTime();
    for (let i = 0; i < hours * 2; i++) {
      await uploadRecording(stack, user, {
        bytes: chunk,
        format: "ogg-opus",
        startedAt: new Date(start + i * 30 * 60_000),
        durationMs: 30 * 60_000,
        source: "bench",
      });
    }
  }
  const uploadMs = Date.now() - uploadStarted;
  const night = await runNight(stack, { now, timeoutMs: 3_600_000 });
  const [{ events, runs, audio_seconds: audioSeconds }] = await stack.sql`
    select (select count(*)::int from public.laughter_events) as events,
           (select count(*)::int from public.job_runs) as runs,
           (select sum(audio_seconds)::float from public.job_runs) as audio_seconds`;
  console.log(`${users.length} users × ${hours} h of Ogg Opus (${night.jobsEnqueued} recordings of 30 min)`);
  console.log(
    `uploads ${seconds(uploadMs)}; night (sweep → dispatch → node → report) ${seconds(night.wallMs)}`,
  );
  console.log(
    `${runs} job runs, ${(audioSeconds / 3600).toFixed(1)} h of audio at ${(audioSeconds / (night.wallMs / 1000)).toFixed(0)}× real time, ${events} events; jobs ${JSON.stringify(night.jobs)}`,
  );
} finally {
  await stack.stop();
}
