/**
 * `npm run demo [-- [--upload] <folder>]`: the main job, end to end on the local stack (no Docker, no
 * accounts). Starts PostgreSQL 15 + pg_cron, s3rver, the Edge Functions under Deno, the inference node
 * and the Limitless stand-in; signs up two users in different zones; by default each stores a Limitless
 * key (sealed by the limitless-key function) and the ingest function pulls their "yesterday" from the
 * stand-in, which serves the recordings of <folder> (default ../shared/audio/dev) as Ogg Opus in the
 * daytime windows and 404 in the night ones. With --upload the recordings are uploaded through the
 * `recordings` function instead. Then the sweep and the dispatch run; each user's laughs are printed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { addDays, localDateOf, zonedTimeToInstant } from "../../shared/time/zoned-time.ts";
import { windowOggOpus } from "../../test/harness/window-audio.ts";
import { ingestUntilSettled, serveNight, storeLimitlessKey, windowStates } from "./limitless-night.ts";
import { REPO_ROOT, startLocalStack } from "./local-stack.ts";
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
const uploadMode = process.argv.includes("--upload");
const folderArg = process.argv.slice(2).find((arg) => !arg.startsWith("--"));
const defaultFolder = resolve(REPO_ROOT, "..", "shared", "audio", "dev");
const folder = folderArg !== undefined ? resolve(folderArg) : defaultFolder;
if (!existsSync(folder) || !statSync(folder).isDirectory()) {
  console.error(
    folderArg === undefined
      ? `No recordings folder given and ${defaultFolder} does not exist.\nUsage: npm run demo -- <folder with .wav or .opus recordings>`
      : `${folder} is not a folder.\nUsage: npm run demo -- <folder with .wav or .opus recordings>`,
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
const stack = await startLocalStack({ log: (line) => console.log(line) });
let exitCode = 0;
try {
  console.log(`stack up in ${seconds(Date.now() - started)}`);
  const now = new Date();
  const users = [];
  for (const spec of USERS) users.push(await createUser(stack, spec.name, spec.timeZone));

  if (!uploadMode) {
    // Yesterday is due at once (the demo does not wait out the 2 h grace) and is the only day planned.
    await stack.sql`update queue.ingest_settings set backfill_days = 1, day_grace = '0 seconds'`;
    for (const [index, user] of users.entries()) {
      const mine = files.filter((_, i) => i % users.length === index);
      const yesterday = addDays(localDateOf(now, user.timeZone), -1);
      // Daytime windows 06:00–22:00 (indexes 3–10) carry the audio; the night ones answer 404.
      const audioByWindow = new Map<number, Uint8Array>();
      for (let w = 3; w <= 10; w++) {
        const share = mine.filter((_, i) => i % 8 === w - 3);
        if (share.length > 0) audioByWindow.set(w, await windowOggOpus(share));
      }
      const apiKey = `sk-demo-${user.name.toLowerCase()}-${crypto.randomUUID()}`;
      serveNight(
        stack,
        apiKey,
        zonedTimeToInstant(yesterday, "00:00", user.timeZone).getTime(),
        audioByWindow,
      );
      const planned = await storeLimitlessKey(stack, user, apiKey);
      console.log(
        `${user.name} (${user.timeZone}): Limitless key stored encrypted; ${planned} windows of ${yesterday} planned, ${audioByWindow.size} with audio`,
      );
    }
    const ingestStarted = Date.now();
    const totals = await ingestUntilSettled(stack);
    const [keys] = await stack.sql`
      select count(*)::int as n, min(kek_version) as kek_version, sum(octet_length(ciphertext))::int as bytes
      from private.limitless_keys`;
    console.log(
      `ingest: ${totals.downloaded} windows downloaded (${(totals.bytes / 1e6).toFixed(1)} MB), ${totals.noAudio} empty (404), ${totals.dead} dead, ${totals.kicks} kicks, ${seconds(Date.now() - ingestStarted)}; keys in the database: ${keys.n} AES-256-GCM ciphertexts (KEK v${keys.kek_version}), no plaintext`,
    );
    for (const user of users) {
      const states = await windowStates(stack, user.id);
      const counts = states.reduce<Record<string, number>>((acc, w) => {
        acc[w.state] = (acc[w.state] ?? 0) + 1;
        return acc;
      }, {});
      console.log(`  ${user.name}'s windows: ${JSON.stringify(counts)}`);
    }
  }

  // --upload: spread each user's share of the files over their local "yesterday", 07:00 to 23:00.
  const uploadStarted = Date.now();
  for (const [index, user] of (uploadMode ? users : []).entries()) {
    const mine = files.filter((_, i) => i % users.length === index);
    const yesterday = addDays(localDateOf(now, user.timeZone), -1);
    for (const [i, path] of mine.entries()) {
      const minutes = 7 * 60 + Math.floor((i * 16 * 60) / mine.length);
      const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
      await uploadRecording(stack, user, {
        bytes: new Uint8Array(readFileSync(path)),
        format: uploadFormatOf(path)!,
        startedAt: zonedTimeToInstant(yesterday, hhmm, user.timeZone),
        durationMs: await audioDurationMs(path),
      });
    }
    console.log(`${user.name} (${user.timeZone}): uploaded ${mine.length} recordings over ${yesterday}`);
  }
  if (uploadMode) console.log(`uploads took ${seconds(Date.now() - uploadStarted)}`);

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

  for (const user of users) {
    const yesterday = addDays(localDateOf(now, user.timeZone), -1);
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
    }
  }
} catch (error) {
  console.error(`demo failed: ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  await stack.stop();
  console.log(`\ndemo finished in ${seconds(Date.now() - started)}; everything stopped.`);
}
process.exit(exitCode);
