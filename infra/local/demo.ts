/**
 * `npm run demo [-- <folder>]`: the main job, end to end on the local stack (no Docker, no accounts).
 * Starts PostgreSQL 15 + pg_cron, s3rver, the Edge Functions under Deno and the inference node; signs up
 * two users in different zones; uploads the recordings of <folder> (default ../shared/audio/dev) spread
 * over each user's "yesterday"; runs the sweep and the dispatch; prints each user's laughs; writes a
 * self-contained HTML report of the night (clips embedded, copied before the stack stops) and prints its
 * path (`--report <file>` to choose it); stops.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { addDays, localDateOf, zonedTimeToInstant } from "../../shared/time/zoned-time.ts";
import { REPO_ROOT, startLocalStack } from "./local-stack.ts";
import { type ReportUser, renderNightReport } from "./night-report.ts";
import {
  audioDurationMs,
  createUser,
  fetchLaughs,
  runNight,
  uploadFormatOf,
  uploadRecording,
} from "./nightly-cycle.ts";

const USERS = [
  { name: "Ana", timeZone: "America/Los_Angeles" },
  { name: "Ravi", timeZone: "Asia/Kolkata" },
] as const;

const started = Date.now();
const argv = process.argv.slice(2);
const reportIndex = argv.indexOf("--report");
const reportArg = reportIndex === -1 ? undefined : argv[reportIndex + 1];
const folderArg = argv.find((arg, i) => !arg.startsWith("--") && i !== reportIndex + 1);
const reportPath = resolve(
  reportArg ??
    join(REPO_ROOT, ".tmp/reports", `night-${new Date().toISOString().replace(/[:.]/g, "-")}.html`),
);
const defaultFolder = resolve(REPO_ROOT, "..", "shared", "audio", "dev");
const folder = folderArg !== undefined ? resolve(folderArg) : defaultFolder;
if (!existsSync(folder) || !statSync(folder).isDirectory()) {
  console.error(
    folderArg === undefined
      ? `No recordings folder given and ${defaultFolder} does not exist.\nUsage: npm run demo -- [<folder with .wav or .opus recordings>] [--report <file.html>]`
      : `${folder} is not a folder.\nUsage: npm run demo -- [<folder with .wav or .opus recordings>] [--report <file.html>]`,
  );
  process.exit(2);
}
const files = readdirSync(folder)
  .map((name) => join(folder, name))
  .filter((path) => statSync(path).isFile() && uploadFormatOf(path) !== undefined)
  .sort();
if (files.length === 0) {
  console.error(`${folder} holds no WAV or Ogg Opus recordings.`);
  process.exit(2);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(`giggles demo: ${files.length} recordings from ${folder}`);
console.log("starting PostgreSQL 15 + pg_cron, s3rver, Edge Functions (Deno), inference node …");
const stack = await startLocalStack({
  log: (line) => console.log(line),
  progress: (step) => console.log(`  ${seconds(Date.now() - started).padStart(6)}  ${step}`),
});
let exitCode = 0;
try {
  console.log(`stack up in ${seconds(Date.now() - started)}`);
  const now = new Date();
  const users = [];
  for (const spec of USERS) users.push(await createUser(stack, spec.name, spec.timeZone));

  // Spread each user's share of the files over their local "yesterday", 07:00 to 23:00.
  const uploadStarted = Date.now();
  const sourceFileOf = new Map<string, string>(); // recording id → uploaded file
  const recordingsOf = new Map<string, number>(); // user id → recordings uploaded
  for (const [index, user] of users.entries()) {
    const mine = files.filter((_, i) => i % users.length === index);
    const yesterday = addDays(localDateOf(now, user.timeZone), -1);
    // A few at a time: each upload is three round trips, mostly waiting.
    let next = 0;
    const uploadNext = async (): Promise<void> => {
      for (let i = next++; i < mine.length; i = next++) {
        const path = mine[i];
        const minutes = 7 * 60 + Math.floor((i * 16 * 60) / mine.length);
        const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
        const recordingId = await uploadRecording(stack, user, {
          bytes: new Uint8Array(readFileSync(path)),
          format: uploadFormatOf(path)!,
          startedAt: zonedTimeToInstant(yesterday, hhmm, user.timeZone),
          durationMs: await audioDurationMs(path),
        });
        sourceFileOf.set(recordingId, basename(path));
      }
    };
    await Promise.all([uploadNext(), uploadNext(), uploadNext(), uploadNext()]);
    recordingsOf.set(user.id, mine.length);
    console.log(`${user.name} (${user.timeZone}): uploaded ${mine.length} recordings over ${yesterday}`);
  }
  console.log(`uploads took ${seconds(Date.now() - uploadStarted)}`);

  let lastLine = "";
  const night = await runNight(stack, {
    now,
    onProgress: (jobs) => {
      const line = `queue: ${JSON.stringify(jobs)}`;
      if (line !== lastLine) console.log(line);
      lastLine = line;
    },
  });
  console.log(
    `night: swept ${night.daysSwept} user-days, ${night.jobsEnqueued} jobs, ${night.dispatchCalls} dispatch calls, ${seconds(night.wallMs)}`,
  );

  const reportUsers: ReportUser[] = [];
  for (const user of users) {
    const yesterday = addDays(localDateOf(now, user.timeZone), -1);
    const reportUser: ReportUser = {
      name: user.name,
      timeZone: user.timeZone,
      date: yesterday,
      recordings: recordingsOf.get(user.id) ?? 0,
      laughs: [],
    };
    reportUsers.push(reportUser);
    const { events: laughs, summary } = await fetchLaughs(stack, user, yesterday);
    console.log(`\n${user.name}'s laughs on ${yesterday} (${user.timeZone}): ${JSON.stringify(summary)}`);
    for (const laugh of laughs) {
      // The clip's object key is the presigned URL's path after /<bucket>/.
      const clipKey =
        laugh.clipUrl === null
          ? "(no clip)"
          : decodeURIComponent(new URL(laugh.clipUrl).pathname.split("/").slice(2).join("/"));
      console.log(
        `  ${laugh.localTime}  ${(laugh.durationMs / 1000).toFixed(1).padStart(5)} s  peak ${laugh.peakProbability.toFixed(2)}  ${laugh.className.padEnd(16)}  ${clipKey}`,
      );
      // The clip's key is <user>/<recording>/<offset>.wav; copy its bytes now, before the stack stops.
      let clip: Uint8Array | null = null;
      if (laugh.clipUrl !== null) {
        const response = await fetch(laugh.clipUrl);
        if (!response.ok) throw new Error(`clip ${clipKey} answered HTTP ${response.status}`);
        clip = new Uint8Array(await response.arrayBuffer());
      }
      reportUser.laughs.push({
        localTime: laugh.localTime,
        durationMs: laugh.durationMs,
        peakProbability: laugh.peakProbability,
        meanProbability: laugh.meanProbability,
        className: laugh.className,
        sourceFile: sourceFileOf.get(clipKey.split("/")[1] ?? "") ?? "(unknown)",
        clip,
      });
    }
  }
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(
    reportPath,
    renderNightReport({
      title: `giggles demo — ${files.length} recordings`,
      generatedAt: new Date(),
      users: reportUsers,
    }),
  );
  console.log(`\nreport: ${reportPath}`);
} catch (error) {
  console.error(`demo failed: ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  await stack.stop();
  console.log(`\ndemo finished in ${seconds(Date.now() - started)}; everything stopped.`);
}
process.exit(exitCode);
