/**
 * The full nightly cycle on the local stack: users in two zones upload recordings (one crossing local
 * midnight, one in the pendant's Ogg Opus), the sweep hands the finished local days to the queue, dispatch
 * sends them to a real inference node process, its reports land in Postgres. Then: the cycle again (no
 * duplicates), and a node killed mid-job (the lease expires, the job is retried, the rows are the same).
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { encodeWav16 } from "../../inference-node/src/clips/wav-writer.ts";
import { type LocalStack, startLocalStack } from "../../infra/local/local-stack.ts";
import {
  createUser,
  type DemoUser,
  fetchLaughs,
  runNight,
  uploadRecording,
} from "../../infra/local/nightly-cycle.ts";
import { addDays, localDateOf, zonedTimeToInstant } from "../../shared/time/zoned-time.ts";
import { makeBenchOpus } from "../bench/make-bench-audio.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";

const SAMPLE_RATE_HZ = 16_000;
const LEASE_SECONDS = 60;

async function decodeDev(file: string): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const chunk of decodeTo16kMono(createReadStream(join(DEV_AUDIO_DIR, file)))) parts.push(chunk);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

interface Planted {
  file: string;
  offsetMs: number;
  durationMs: number;
}

/** Silence of `durationMs` with dev laughs planted at known offsets. */
async function composeRecording(durationMs: number, laughs: { file: string; offsetMs: number }[]) {
  const samples = new Float32Array((durationMs * SAMPLE_RATE_HZ) / 1000);
  const planted: Planted[] = [];
  for (const laugh of laughs) {
    const audio = await decodeDev(laugh.file);
    samples.set(audio, (laugh.offsetMs * SAMPLE_RATE_HZ) / 1000);
    planted.push({ ...laugh, durationMs: (audio.length * 1000) / SAMPLE_RATE_HZ });
  }
  return { samples, planted };
}

function toOggOpus(samples: Float32Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "giggles-e2e-"));
  try {
    writeFileSync(join(dir, "in.wav"), encodeWav16(samples));
    execFileSync("opusenc", ["--quiet", "--bitrate", "24", join(dir, "in.wav"), join(dir, "out.opus")]);
    return new Uint8Array(readFileSync(join(dir, "out.opus")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface EventRow {
  recording_id: string;
  starts_at: Date;
  ends_at: Date;
  start_offset_ms: number;
  class_id: number;
  clip_object_key: string;
}

let stack: LocalStack;
let ana: DemoUser;
let ravi: DemoUser;
const now = new Date();
const recordings = new Map<string, { startedAt: Date; planted: Planted[]; user: DemoUser }>();

async function eventRows(): Promise<EventRow[]> {
  return (await stack.sql`
    select recording_id, starts_at, ends_at, start_offset_ms, class_id, clip_object_key
    from public.laughter_events order by recording_id, start_offset_ms`) as unknown as EventRow[];
}

beforeAll(async () => {
  stack = await startLocalStack({
    leaseSeconds: LEASE_SECONDS,
    cron: false,
    nodeEnv: { NODE_REPORT_RESERVE_MS: "5000" },
    log: () => {},
  });
  ana = await createUser(stack, "Ana", "America/New_York");
  ravi = await createUser(stack, "Ravi", "Asia/Kolkata");

  // Ana: a WAV across her local midnight (23:58 yesterday → 00:02 today) and an Ogg Opus morning one.
  const anaYesterday = addDays(localDateOf(now, ana.timeZone), -1);
  const midnight = await composeRecording(240_000, [
    { file: "laugh_025.wav", offsetMs: 30_000 },
    { file: "laugh_059.wav", offsetMs: 150_000 },
  ]);
  // laugh_021, not laugh_040: since issue 18's stricter head, laugh_040 through Opus 24 kbit/s peaks under the
  // onset (models/head/METRICS.md: recall was traded for ≤ 1 false laugh per hour of talk and of ambient).
  const morning = await composeRecording(90_000, [{ file: "laugh_021.wav", offsetMs: 20_000 }]);
  // Ravi: one WAV in the evening of his yesterday.
  const raviYesterday = addDays(localDateOf(now, ravi.timeZone), -1);
  const evening = await composeRecording(60_000, [{ file: "laugh_053.wav", offsetMs: 10_000 }]);

  const uploads = [
    { user: ana, at: zonedTimeToInstant(anaYesterday, "23:58", ana.timeZone), rec: midnight, opus: false },
    { user: ana, at: zonedTimeToInstant(anaYesterday, "09:15", ana.timeZone), rec: morning, opus: true },
    { user: ravi, at: zonedTimeToInstant(raviYesterday, "21:00", ravi.timeZone), rec: evening, opus: false },
  ];
  for (const { user, at, rec, opus } of uploads) {
    const id = await uploadRecording(stack, user, {
      bytes: opus ? toOggOpus(rec.samples) : encodeWav16(rec.samples),
      format: opus ? "ogg-opus" : "wav",
      startedAt: at,
      durationMs: (rec.samples.length * 1000) / SAMPLE_RATE_HZ,
    });
    recordings.set(id, { startedAt: at, planted: rec.planted, user });
  }
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a night", () => {
  let firstRun: EventRow[];

  it("sweeps the finished local days, dispatches, and stores one event per planted laugh", async () => {
    const night = await runNight(stack, { now: new Date(Math.max(now.getTime(), Date.now())) });
    expect(night.jobsEnqueued).toBe(3);
    expect(night.jobs).toEqual({ done: 3 });
    firstRun = await eventRows();
    for (const [id, { startedAt, planted }] of recordings) {
      const mine = firstRun.filter((e) => e.recording_id === id);
      // Every planted laugh is found, at its absolute time (±1 s for YAMNet's 0.48 s patches).
      for (const laugh of planted) {
        const from = startedAt.getTime() + laugh.offsetMs - 1000;
        const to = startedAt.getTime() + laugh.offsetMs + laugh.durationMs + 1000;
        expect(
          mine.some((e) => e.starts_at.getTime() < to && e.ends_at.getTime() > from),
          `${laugh.file} at ${laugh.offsetMs} ms in ${id}`,
        ).toBe(true);
      }
      // Nothing is found in the silence between them.
      for (const event of mine) {
        expect(
          planted.some(
            (l) =>
              event.starts_at.getTime() < startedAt.getTime() + l.offsetMs + l.durationMs + 1000 &&
              event.ends_at.getTime() > startedAt.getTime() + l.offsetMs - 1000,
          ),
        ).toBe(true);
      }
    }
  });

  it("puts every event's clip in storage, and nothing else", async () => {
    const listed = await stack.s3.client.send(new ListObjectsV2Command({ Bucket: stack.s3.buckets.clips }));
    const stored = (listed.Contents ?? []).map((o) => o.Key).sort();
    expect(stored).toEqual(firstRun.map((e) => e.clip_object_key).sort());
  });

  it("records one job run per recording with the node's figures", async () => {
    const runs = await stack.sql`select node_id, audio_seconds, error from public.job_runs`;
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      expect(run.node_id).toBe("local-node-1");
      expect(run.error).toBeNull();
      expect(Number(run.audio_seconds)).toBeGreaterThan(59);
    }
  });

  it("summarises each user's local day, crossing midnight included", async () => {
    const anaDay = addDays(localDateOf(now, ana.timeZone), -1);
    const { events: laughs, summary } = await fetchLaughs(stack, ana, anaDay);
    expect(summary).toMatchObject({ recordingsDone: 2, recordingsPending: 0, recordingsFailed: 0 });
    const anaEvents = firstRun.filter((e) => recordings.get(e.recording_id)?.user === ana);
    expect(summary.laughs).toBe(anaEvents.length);
    expect(laughs).toHaveLength(anaEvents.length);
    const clip = await fetch(laughs[0].clipUrl!);
    expect(clip.status).toBe(200);
    expect(new TextDecoder().decode((await clip.arrayBuffer()).slice(0, 4))).toBe("RIFF");
    const raviDay = addDays(localDateOf(now, ravi.timeZone), -1);
    expect((await fetchLaughs(stack, ravi, raviDay)).summary).toMatchObject({ recordingsDone: 1 });
  });

  it("gives the same rows, without duplicates, when the night runs again", async () => {
    for (const user of [ana, ravi]) {
      const day = addDays(localDateOf(now, user.timeZone), -1);
      await stack.sql`select queue.reprocess(${user.id}, ${day}::date, ${day}::date)`;
    }
    const again = await runNight(stack);
    expect(again.jobs).toEqual({ done: 3 });
    const secondRun = await eventRows();
    expect(secondRun).toEqual(firstRun);
  });
});

describe("a node killed mid-job", () => {
  it("loses the lease, the job is retried, and the final rows are the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "giggles-e2e-long-"));
    const long = new Uint8Array(readFileSync(await makeBenchOpus(dir, 30)));
    rmSync(dir, { recursive: true, force: true });
    const day = addDays(localDateOf(now, ravi.timeZone), -1);
    const recordingId = await uploadRecording(stack, ravi, {
      bytes: long,
      format: "ogg-opus",
      startedAt: zonedTimeToInstant(day, "06:00", ravi.timeZone),
      durationMs: 30 * 60_000,
    });
    // Ravi's day is already swept, so the upload was queued at once.
    const [job] = await stack.sql`select id, status from queue.jobs where recording_id = ${recordingId}`;
    expect(job.status).toBe("queued");
    await stack.dispatch();
    const deadline = Date.now() + 20_000;
    let status = "queued";
    while (status !== "processing" && Date.now() < deadline) {
      [{ status }] = await stack.sql`select status from queue.jobs where id = ${job.id}`;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe("processing");
    await new Promise((r) => setTimeout(r, 1000));
    await stack.node.stop("SIGKILL");
    const [leased] = await stack.sql`select status, attempts from queue.jobs where id = ${job.id}`;
    expect(leased).toMatchObject({ status: "processing", attempts: 1 });

    await stack.restartNode();
    // Nothing reports for the killed attempt; the lease runs out and the reaper returns the job.
    const night = await runNight(stack, { timeoutMs: LEASE_SECONDS * 1000 + 120_000 });
    expect(night.jobs).toEqual({ done: 4 });
    const [retried] = await stack.sql`select status, attempts from queue.jobs where id = ${job.id}`;
    expect(retried).toMatchObject({ status: "done", attempts: 2 });
    // The killed attempt is on record too: one job run per attempt.
    const runs =
      await stack.sql`select attempt, outcome from public.job_runs where job_id = ${job.id} order by attempt`;
    expect(runs.map((r) => `${r.attempt}:${r.outcome}`)).toEqual(["1:lease_expired", "2:done"]);
    const afterRetry = (await eventRows()).filter((e) => e.recording_id === recordingId);
    expect(afterRetry.length).toBeGreaterThan(10);

    // A clean run of the same recording gives the same rows.
    await stack.sql`select queue.reprocess(${ravi.id}, ${day}::date, ${day}::date)`;
    await runNight(stack);
    expect((await eventRows()).filter((e) => e.recording_id === recordingId)).toEqual(afterRetry);
  });
});
