/**
 * `npm run demo [-- [--upload] <folder>] [--report <file.html>]`: the main job, end to end on the local
 * stack (no Docker, no accounts). Starts PostgreSQL 15 + pg_cron, s3rver, the Edge Functions under Deno,
 * the inference node and the Limitless stand-in; signs up two users in different zones; by default each
 * stores a Limitless key (sealed by the limitless-key function) and the ingest function pulls their
 * "yesterday" from the stand-in, which serves the recordings of <folder> (default ../shared/audio/dev) as
 * Ogg Opus in the daytime windows and 404 in the night ones. With --upload the recordings are uploaded
 * through the `recordings` function instead. Then the sweep and the dispatch run; each user's laughs are
 * printed; a self-contained HTML report of the night (clips embedded, copied before the stack stops) is
 * written and its path printed (`--report <file>` to choose it); everything stops.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { addDays, localDateOf, zonedTimeToInstant } from "../../shared/time/zoned-time.ts";
import { windowOggOpus } from "../../test/harness/window-audio.ts";
import { ingestUntilSettled, serveNight, storeLimitlessKey, windowStates } from "./limitless-night.ts";
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
const uploadMode = argv.includes("--upload");
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
      ? `No recordings folder given and ${defaultFolder} does not exist.\nUsage: npm run demo -- [--upload] [<folder with .wav or .opus recordings>] [--report <file.html>]`
      : `${folder} is not a folder.\nUsage: npm run demo -- [--upload] [<folder with .wav or .opus recordings>] [--report <file.html>]`,
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
const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;
const WINDOW_STATE_WORDS: Record<string, string> = {
  downloaded: "downloaded",
  no_audio: "without audio",
  pending: "still to fetch",
  failed: "failed",
};
/** "8 downloaded, 4 without audio" for a window state → count map. */
const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([state, n]) => `${n} ${WINDOW_STATE_WORDS[state] ?? state}`)
    .join(", ");
/** The stand-in's windows are 2 hours (Limitless' maximum). */
const WINDOW_MS = 2 * 3600 * 1000;
interface WindowFile {
  path: string;
  startMs: number;
  endMs: number;
}
/** Where each file sits in `windowOggOpus(paths)`: led and separated by 2 s of silence. */
async function windowLayout(paths: readonly string[], gapMs = 2000): Promise<WindowFile[]> {
  const layout: WindowFile[] = [];
  let atMs = 0;
  for (const path of paths) {
    atMs += gapMs;
    const durationMs = await audioDurationMs(path);
    layout.push({ path, startMs: atMs, endMs: atMs + durationMs });
    atMs += durationMs;
  }
  return layout;
}
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

  const sourceFileOf = new Map<string, string>(); // recording id → uploaded file (--upload)
  const recordingsOf = new Map<string, number>(); // user id → recordings made
  // "<user id>/<window index>" → the files a Limitless window is made of, with their offsets in it.
  const windowFilesOf = new Map<string, WindowFile[]>();
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
        if (share.length === 0) continue;
        audioByWindow.set(w, await windowOggOpus(share));
        windowFilesOf.set(`${user.id}/${w}`, await windowLayout(share));
      }
      const apiKey = `sk-demo-${user.name.toLowerCase()}-${crypto.randomUUID()}`;
      serveNight(
        stack,
        apiKey,
        zonedTimeToInstant(yesterday, "00:00", user.timeZone).getTime(),
        audioByWindow,
      );
      recordingsOf.set(user.id, audioByWindow.size);
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
      console.log(`  ${user.name}'s windows: ${countsText(counts)}`);
    }
  }

  // --upload: spread each user's share of the files over their local "yesterday", 07:00 to 23:00.
  const uploadStarted = Date.now();
  for (const [index, user] of (uploadMode ? users : []).entries()) {
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
  if (uploadMode) console.log(`uploads took ${seconds(Date.now() - uploadStarted)}`);

  // One line for the night: what was waiting (queued at arrival, or by this sweep), what ran, how long.
  const [waiting] = await stack.sql<{ n: number }[]>`
    select count(*)::int as n from queue.jobs where kind = 'detect' and status in ('queued', 'processing')`;
  const night = await runNight(stack, { now });
  const [ran] = await stack.sql<{ done: number; failed: number; days: number }[]>`
    select count(*) filter (where j.status = 'done')::int as done,
           count(*) filter (where j.status = 'dead')::int as failed,
           count(distinct (r.user_id, r.local_date))::int as days
    from queue.jobs j join public.recordings r on r.id = j.recording_id where j.kind = 'detect'`;
  console.log(
    `night: ${plural(ran.done, "recording")} of ${plural(ran.days, "user-day")} processed, ${ran.failed} failed ` +
      `(${waiting.n} queued as they arrived, ${night.jobsEnqueued} by the sweep of ${plural(night.daysSwept, "finished day")}), ` +
      `${plural(night.dispatchCalls, "dispatch call")}, ${seconds(night.wallMs)}`,
  );

  /**
   * The dev file a laugh came from: the uploaded file (--upload), or the file at the clip's offset in its
   * Limitless window (the clip key is `<user>/<recording>/<offset ms>.wav`, the window's start fixes its index).
   */
  const sourceFileOfClip = async (userId: string, timeZone: string, day: string, clipKey: string) => {
    const [, recordingId, clipName] = clipKey.split("/");
    const uploaded = sourceFileOf.get(recordingId ?? "");
    if (uploaded !== undefined) return uploaded;
    const [row] = await stack.sql<{ started_at: Date }[]>`
      select started_at from public.recordings where id = ${recordingId ?? null}::uuid`;
    const offsetMs = Number.parseInt(clipName ?? "", 10);
    if (row === undefined || !Number.isFinite(offsetMs)) return "(unknown)";
    const dayStartMs = zonedTimeToInstant(day, "00:00", timeZone).getTime();
    const window = Math.round((row.started_at.getTime() - dayStartMs) / WINDOW_MS);
    const layout = windowFilesOf.get(`${userId}/${window}`) ?? [];
    // The clip starts up to 1 s before its laugh; the laugh lies in the file whose span is nearest.
    const laughMs = offsetMs + 1000;
    const nearest = layout
      .map((f) => ({
        f,
        distance: laughMs < f.startMs ? f.startMs - laughMs : Math.max(0, laughMs - f.endMs),
      }))
      .sort((a, b) => a.distance - b.distance)[0];
    return nearest === undefined ? "(unknown)" : basename(nearest.f.path);
  };

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
    console.log(
      `\n${user.name}'s laughs on ${yesterday} (${user.timeZone}): ${plural(summary.laughs, "laugh")}, ` +
        `${summary.laughSeconds.toFixed(1)} s of laughing, ${plural(summary.recordingsDone, "recording")} processed` +
        (summary.recordingsFailed > 0 ? `, ${summary.recordingsFailed} failed` : ""),
    );
    for (const laugh of laughs) {
      // The clip's object key is the presigned URL's path after /<bucket>/.
      const clipKey =
        laugh.clipUrl === null
          ? "(no clip)"
          : decodeURIComponent(new URL(laugh.clipUrl).pathname.split("/").slice(2).join("/"));
      const sourceFile = await sourceFileOfClip(user.id, user.timeZone, yesterday, clipKey);
      console.log(
        `  ${laugh.localTime}  ${(laugh.durationMs / 1000).toFixed(1).padStart(5)} s  peak ${laugh.peakProbability.toFixed(2)}  ${sourceFile.padEnd(22)}  ${clipKey}`,
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
        sourceFile,
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
