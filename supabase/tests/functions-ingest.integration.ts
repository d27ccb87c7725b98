/**
 * `limitless-key` and `ingest` as real Deno processes against real PostgreSQL, s3rver and the Limitless
 * stand-in (test/harness/limitless-server.ts): storing a key (checked upstream, sealed, never in a dump
 * or a log), then every upstream answer: 200 (multipart into the bucket, verified, recording + detection
 * job), 404 then 200, 401 (key invalid, windows wait, a new key resumes them), 429 (released until
 * Retry-After), 5xx (backoff, then dead and listed), slow (timeout), truncated and non-Ogg bodies (never
 * registered), the raw-audio deletion, and no window downloaded twice. Then the faults of issues 19/21:
 * a 60-minute outage with the production backoff, 400, 403, a 401 re-checked later, a per-key 429 with
 * the body's retryAfter, redirects (never followed with the key), an endless body (byte cap), a cut
 * Ogg whose Content-Length matches, an HTML 200, and delete-all during a download held open.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type LimitlessStandIn, startLimitlessServer } from "../../test/harness/limitless-server.ts";
import { ensurePostgresBinaries } from "../../test/harness/postgres-binaries.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { type S3FaultProxy, startS3FaultProxy } from "../../test/harness/s3-fault-proxy.ts";
import { DEV_AUDIO_DIR } from "../../test/harness/shared-assets.ts";
import { windowOggOpus } from "../../test/harness/window-audio.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import { authEnv, FUNCTIONS_CONFIG, startTestAuth, storageEnv, userToken } from "./functions-helpers.ts";

const INGEST_TOKEN = "ingest-test-token-0123456789abcdef";
const KEKS = `1:${Buffer.alloc(32, 11).toString("base64")}`;
const PART_BYTES = 5 * 1024 * 1024;
/** The retry backoff of these tests (see beforeAll). */
const TEST_BACKOFF = "1 hour";

let db: TestDatabase;
let s3: S3Endpoint;
/** Between the functions and s3rver: lets a test fail DELETEs or hold uploads. */
let s3Proxy: S3FaultProxy;
let limitless: LimitlessStandIn;
let keyFn: DenoServer;
let ingestFn: DenoServer;
let oggAudio: Uint8Array;
let auth: RunningAuthServer;

beforeAll(async () => {
  [db, s3, limitless] = await Promise.all([startTestDatabase(), startS3(), startLimitlessServer()]);
  auth = await startTestAuth(db.sql);
  await pauseCron(db.sql);
  // Yesterday only, due at once, two attempts for transient failures; the test audio (seconds in a 2 h
  // window) counts as whole except in the short-window test. A retry waits an hour, longer than any run:
  // tests make retries due with runnableNow(). (With 1 s, a run slowed down by a loaded machine retried a
  // window within the same run and took its next programmed answer, or made it dead.)
  await db.sql`update queue.ingest_settings
               set backfill_days = 1, day_grace = '0 seconds', max_attempts = 2, global_concurrency = 4,
                   backoff_base = ${TEST_BACKOFF}::interval, backoff_max = ${TEST_BACKOFF}::interval,
                   full_audio_ratio = 0`;
  oggAudio = await windowOggOpus([join(DEV_AUDIO_DIR, "laugh_001.wav")]);
  s3Proxy = await startS3FaultProxy(s3.endpoint);
  const env = {
    SUPABASE_DB_URL: db.url,
    ...authEnv(auth),
    LIMITLESS_API_URL: limitless.url,
    LIMITLESS_KEKS: KEKS,
    INGEST_TOKEN,
    INGEST_CONCURRENCY: "3",
    INGEST_DOWNLOAD_TIMEOUT_MS: "1500",
    // A 2 h window's cap: 21.6 MB + 1 MiB (the endless-body test streams that much).
    INGEST_MAX_BITRATE_FACTOR: "1",
    ...storageEnv(s3),
    STORAGE_S3_ENDPOINT: s3Proxy.endpoint,
  };
  [keyFn, ingestFn] = await Promise.all([
    startDenoServer("supabase/functions/limitless-key/index.ts", { config: FUNCTIONS_CONFIG, env }),
    startDenoServer("supabase/functions/ingest/index.ts", { config: FUNCTIONS_CONFIG, env }),
  ]);
});

afterAll(async () => {
  await keyFn?.stop();
  await ingestFn?.stop();
  await limitless?.close();
  await s3Proxy?.close();
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

interface TestUser {
  id: string;
  token: string;
  apiKey: string;
}

async function newUser(): Promise<TestUser> {
  const id = await createUser(db.sql, "UTC");
  const apiKey = `sk-limitless-${crypto.randomUUID()}`;
  limitless.addKey(apiKey);
  return { id, token: await userToken(id), apiKey };
}

async function keyRequest(user: TestUser, method: string, body?: unknown) {
  const res = await fetch(`${keyFn.url}/limitless-key`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function ingest() {
  const res = await fetch(`${ingestFn.url}/ingest?wait=1`, {
    method: "POST",
    headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" },
    body: "{}",
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function windowsOf(userId: string) {
  return await db.sql<
    {
      window_id: string;
      starts_at: Date;
      state: string;
      last_error: string | null;
      attempts: number;
      run_at: Date;
      recording_id: string | null;
    }[]
  >`select window_id, starts_at, state, last_error, attempts, run_at, recording_id
    from queue.ingest_window_states where user_id = ${userId} order by starts_at`;
}

/** Makes every queued ingest job runnable now (skips backoff waits in tests). */
async function runnableNow() {
  await db.sql`update queue.jobs set run_at = now() where kind = 'ingest' and status = 'queued'`;
}

describe("limitless-key", () => {
  it("refuses a key upstream rejects, stores a valid one sealed, shows status, removes it", async () => {
    const user = await newUser();
    const rejected = await keyRequest(user, "PUT", { apiKey: "sk-not-known-to-limitless" });
    expect(rejected).toMatchObject({ status: 422, body: { error: { code: "KEY_REJECTED" } } });
    expect((await keyRequest(user, "GET")).body).toMatchObject({ status: "none" });

    const stored = await keyRequest(user, "PUT", { apiKey: user.apiKey });
    expect(stored).toEqual({ status: 200, body: { status: "valid", windowsPlanned: 12 } });
    const status = await keyRequest(user, "GET");
    expect(status.body).toMatchObject({ status: "valid", invalidSince: null, windows: { pending: 12 } });
    expect(JSON.stringify(status.body)).not.toContain(user.apiKey);

    const [row] =
      await db.sql`select ciphertext, iv, kek_version from private.limitless_keys where user_id = ${user.id}`;
    expect(row.kek_version).toBe(1);
    expect(Buffer.from(row.ciphertext).includes(Buffer.from(user.apiKey))).toBe(false);

    expect((await keyRequest(user, "PUT", { apiKey: 12 })).status).toBe(400);
    expect((await keyRequest(user, "POST", {})).status).toBe(405);
    const anonymous = await fetch(`${keyFn.url}/limitless-key`);
    expect(anonymous.status).toBe(401);

    expect(await keyRequest(user, "DELETE")).toEqual({ status: 200, body: { removed: true } });
    expect((await keyRequest(user, "GET")).body).toMatchObject({ status: "none", windows: { pending: 12 } });
    await db.sql`delete from queue.ingest_windows where user_id = ${user.id}`;
  });

  it("the database holds no plaintext key (pg_dump of everything), and no log line has one", async () => {
    const user = await newUser();
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    await keyRequest(user, "PUT", { apiKey: "sk-rejected-plaintext-0000" });
    const bins = ensurePostgresBinaries();
    const dump = execFileSync(join(bins.binDir, "pg_dump"), ["--data-only", "--inserts", db.url], {
      maxBuffer: 256 * 1024 * 1024,
      encoding: "utf8",
    });
    expect(dump).toContain("limitless_keys");
    expect(dump).not.toContain(user.apiKey);
    expect(dump).not.toContain(user.apiKey.slice(-20));
    expect(dump).not.toContain("sk-rejected-plaintext");
    expect(keyFn.output()).not.toContain(user.apiKey.slice(-20));
    expect(ingestFn.output()).not.toContain("sk-limitless-");
    await keyRequest(user, "DELETE");
    await db.sql`delete from queue.ingest_windows where user_id = ${user.id}`;
  });
});

describe("limitless-key from a page on another origin", () => {
  it("answers CORS preflights and refuses a body over 8 KiB with 413 before reading it all", async () => {
    const preflight = await fetch(`${keyFn.url}/limitless-key`, {
      method: "OPTIONS",
      headers: {
        origin: "https://laughs.example",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const user = await newUser();
    const big = await keyRequest(user, "PUT", { apiKey: user.apiKey, pad: "x".repeat(1 << 20) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: "BODY_TOO_LARGE" } } });
    expect((await keyRequest(user, "GET")).body).toMatchObject({ status: "none" });
  });
});

describe("ingest: every upstream answer", () => {
  it("200 streams into the bucket (multipart), registers a limitless recording and queues detection", async () => {
    const user = await newUser();
    // A body larger than two parts: Ogg Opus at 128 kbit/s chained again and again (whole pages, ≈ 11
    // minutes: the function checks pages and duration as well as size).
    const dense = await windowOggOpus([join(DEV_AUDIO_DIR, "laugh_001.wav")], 2, 128);
    const copies = Math.ceil((2 * PART_BYTES + 12345) / dense.byteLength);
    const big = new Uint8Array(copies * dense.byteLength);
    for (let i = 0; i < copies; i++) big.set(dense, i * dense.byteLength);
    limitless.setDefault(user.apiKey, (startMs) =>
      new Date(startMs).getUTCHours() === 0 ? { audio: big } : { audio: oggAudio },
    );
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    const summary = await ingest();
    expect(summary).toMatchObject({ downloaded: 12, dead: 0, errors: 0 });
    const windows = await windowsOf(user.id);
    expect(windows.map((w) => w.state)).toEqual(Array(12).fill("downloaded"));

    const recordings = await db.sql`
      select r.id, r.object_key, r.size_bytes, r.source, r.format, r.status, r.started_at, r.ended_at
      from public.recordings r where r.user_id = ${user.id} order by r.started_at`;
    expect(recordings).toHaveLength(12);
    expect(recordings.every((r) => r.source === "limitless" && r.status === "queued")).toBe(true);
    expect(recordings[0].started_at.getTime()).toBe(windows[0].starts_at.getTime());
    expect(recordings[0].ended_at.getTime() - recordings[0].started_at.getTime()).toBe(7_200_000);
    expect(Number(recordings[0].size_bytes)).toBe(big.byteLength);
    const stored = await s3.client.send(
      new GetObjectCommand({ Bucket: "recordings", Key: recordings[0].object_key }),
    );
    const storedBytes = new Uint8Array(await stored.Body!.transformToByteArray());
    expect(Buffer.from(storedBytes).equals(Buffer.from(big))).toBe(true);
    // The other windows went through part buffers reused from earlier windows: byte-exact too.
    for (const recording of recordings.slice(1)) {
      const object = await s3.client.send(
        new GetObjectCommand({ Bucket: "recordings", Key: recording.object_key }),
      );
      const objectBytes = Buffer.from(await object.Body!.transformToByteArray());
      expect(objectBytes.equals(Buffer.from(oggAudio)), recording.object_key).toBe(true);
    }
    const [{ n }] = await db.sql`
      select count(*)::int as n from queue.jobs j join public.recordings r on r.id = j.recording_id
      where j.kind = 'detect' and j.status = 'queued' and r.user_id = ${user.id}`;
    expect(n).toBe(12);

    // Planning again, kicking again and reprocessing never download a window whose recording exists:
    // reprocess re-queues detection on the stored object.
    await db.sql`select * from queue.plan_ingest(now() + interval '2 hours')`;
    const [{ requeued }] = await db.sql`
      select queue.reprocess(${user.id}, current_date - 2, current_date) as requeued`;
    expect(requeued).toBe(12);
    expect((await ingest()).claimed).toBe(0);
    for (const [window, count] of limitless.downloadsByWindow()) {
      if (window.startsWith(user.apiKey)) expect(count, window).toBe(1);
    }
  });

  it("404 → no_audio, re-checked by a later sweep, and a later 200 produces the recording", async () => {
    const user = await newUser();
    limitless.setDefault(user.apiKey, () => ({ status: 404 }));
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    const first = await windowsOf(user.id);
    limitless.program(user.apiKey, first[3].starts_at.getTime(), [{ status: 404 }, { audio: oggAudio }]);
    expect(await ingest()).toMatchObject({ noAudio: 12 });
    expect((await windowsOf(user.id)).map((w) => w.state)).toEqual(Array(12).fill("no_audio"));
    const [{ no_audio_requeued }] = await db.sql`
      select * from queue.plan_ingest(now() + interval '1 hour', ${user.id}::uuid)`;
    expect(no_audio_requeued).toBe(12);
    expect(await ingest()).toMatchObject({ noAudio: 11, downloaded: 1 });
    const after = await windowsOf(user.id);
    expect(after[3].state).toBe("downloaded");
    expect(after.filter((w) => w.state === "no_audio")).toHaveLength(11);
  });

  it("401 → key invalid, the windows wait without burning attempts, a new key resumes them", async () => {
    const user = await newUser();
    limitless.setDefault(user.apiKey, () => ({ audio: oggAudio }));
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    limitless.revokeKey(user.apiKey);
    const summary = await ingest();
    expect(summary.keyInvalid).toBeGreaterThanOrEqual(1);
    expect(summary.downloaded).toBe(0);
    const status = await keyRequest(user, "GET");
    expect(status.body).toMatchObject({ status: "invalid", windows: { pending: 12 } });
    expect(Date.parse(status.body.invalidSince)).toBeLessThanOrEqual(Date.now());
    expect((await windowsOf(user.id)).every((w) => w.attempts === 0)).toBe(true);
    expect((await ingest()).claimed).toBe(0);

    const newKey = `sk-limitless-${crypto.randomUUID()}`;
    limitless.addKey(newKey);
    limitless.setDefault(newKey, () => ({ audio: oggAudio }));
    expect((await keyRequest(user, "PUT", { apiKey: newKey })).status).toBe(200);
    expect(await ingest()).toMatchObject({ downloaded: 12 });
    expect((await keyRequest(user, "GET")).body).toMatchObject({
      status: "valid",
      windows: { downloaded: 12 },
    });
  });

  it("429 → released until Retry-After without burning an attempt; the invocation stops claiming", async () => {
    const user = await newUser();
    limitless.setDefault(user.apiKey, () => ({ status: 429, retryAfter: "120" }));
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    const summary = await ingest();
    expect(summary.rateLimited).toBeGreaterThanOrEqual(1);
    expect(summary.claimed).toBeLessThanOrEqual(3);
    const limited = (await windowsOf(user.id)).filter(
      (w) => w.last_error === null && w.run_at.getTime() > Date.now(),
    );
    expect(limited.length).toBe(summary.rateLimited);
    for (const w of limited) {
      expect(w.attempts).toBe(0);
      expect(w.run_at.getTime() - Date.now()).toBeGreaterThan(100_000);
    }
    await db.sql`delete from queue.ingest_windows where user_id = ${user.id}`;
  });

  it("5xx, slow, truncated and non-Ogg answers: backoff, then dead and listed; nothing registered", async () => {
    const user = await newUser();
    const notOgg = new TextEncoder().encode("RIFF0000WAVEfmt definitely not ogg");
    const answers = [
      { status: 503 },
      { slowMs: 3000, answer: { audio: oggAudio } },
      { truncated: oggAudio },
      { audio: notOgg },
    ] as const;
    limitless.setDefault(user.apiKey, (startMs) => answers[(new Date(startMs).getUTCHours() / 2) % 4]);
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    await ingest();
    await runnableNow();
    await ingest();
    const windows = await windowsOf(user.id);
    expect(windows.map((w) => w.state)).toEqual(Array(12).fill("failed"));
    expect(windows.map((w) => w.last_error?.split(":")[0])).toEqual(
      Array(3).fill(["UPSTREAM_5XX", "UPSTREAM_TIMEOUT", "TRUNCATED", "NOT_OGG"]).flat(),
    );
    const [{ n }] = await db.sql`select count(*)::int as n from public.recordings where user_id = ${user.id}`;
    expect(n).toBe(0);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: "recordings", Prefix: `${user.id}/` }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
    const [runs] = await db.sql`
      select count(*)::int as n from public.job_runs where user_id = ${user.id} and outcome in ('retry', 'dead')`;
    expect(runs.n).toBe(24);
  });

  it("deletes raw audio whose retention passed; the row and its events stay", async () => {
    const user = await newUser();
    limitless.setDefault(user.apiKey, () => ({ status: 404 }));
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    await ingest();
    const [first] = await windowsOf(user.id);
    limitless.program(user.apiKey, first.starts_at.getTime(), [{ audio: oggAudio }]);
    await db.sql`update queue.ingest_windows set last_checked_at = now() - interval '2 hours' where user_id = ${user.id}`;
    await db.sql`select * from queue.plan_ingest(now(), ${user.id}::uuid)`;
    await ingest();
    const [recording] = await db.sql`select id, object_key from public.recordings where user_id = ${user.id}`;
    await db.sql`update public.recordings set status = 'done', processed_at = now() - interval '8 days'
                 where id = ${recording.id}`;
    expect((await db.sql`select queue.plan_audio_deletion() as n`)[0].n).toBe(1);
    expect((await ingest()).deleted).toBe(1);
    const gone = await s3.client
      .send(new HeadObjectCommand({ Bucket: "recordings", Key: recording.object_key }))
      .then(() => "present")
      .catch((error: { name?: string }) => error.name);
    expect(gone).toBe("NotFound");
    const [row] = await db.sql`select audio_deleted_at from public.recordings where id = ${recording.id}`;
    expect(row.audio_deleted_at).toBeInstanceOf(Date);
  });

  it("answers the kick 202 at once and runs in the background", async () => {
    const res = await fetch(`${ingestFn.url}/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      body: "{}",
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ started: true });
  });

  it("refuses kicks without the token", async () => {
    const res = await fetch(`${ingestFn.url}/ingest`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    const bad = await fetch(`${ingestFn.url}/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      body: '{"runnable":"lots"}',
    });
    expect(bad.status).toBe(400);
  });
});

/** A server that records every request it gets (the target of a redirect). */
async function startCaptureServer() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "audio/ogg" }).end(oggAudio);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stolen`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function objectsOf(userId: string): Promise<number> {
  const listed = await s3.client.send(
    new ListObjectsV2Command({ Bucket: "recordings", Prefix: `${userId}/` }),
  );
  return listed.KeyCount ?? 0;
}

async function recordingsOf(userId: string): Promise<number> {
  const [{ n }] = await db.sql`select count(*)::int as n from public.recordings where user_id = ${userId}`;
  return n;
}

describe("ingest under upstream faults (issues 19 and 21)", () => {
  it("a 60-minute outage with the production backoff kills no window; they download once it ends", async () => {
    await db.sql`update queue.ingest_settings
                 set max_attempts = default, backoff_base = default, backoff_max = default`;
    try {
      const user = await newUser();
      limitless.setDefault(user.apiKey, () => ({ status: 503 }));
      await keyRequest(user, "PUT", { apiKey: user.apiKey });
      // Simulated time: each pass jumps to the earliest retry, until the outage has lasted 60 minutes.
      let simulatedMs = 0;
      while (simulatedMs < 60 * 60_000) {
        expect((await ingest()).dead).toBe(0);
        const [{ wait_ms }] = await db.sql`
          select extract(epoch from min(run_at) - now()) * 1000 as wait_ms from queue.jobs j
          join queue.ingest_windows w on w.id = j.window_id
          where w.user_id = ${user.id} and j.status = 'queued'`;
        expect(Number(wait_ms)).toBeGreaterThan(0);
        simulatedMs += Number(wait_ms);
        await runnableNow();
      }
      expect((await windowsOf(user.id)).filter((w) => w.state === "failed")).toHaveLength(0);
      limitless.setDefault(user.apiKey, () => ({ audio: oggAudio }));
      expect(await ingest()).toMatchObject({ downloaded: 12, dead: 0 });
    } finally {
      await db.sql`update queue.ingest_settings
                   set max_attempts = 2, backoff_base = ${TEST_BACKOFF}::interval,
                       backoff_max = ${TEST_BACKOFF}::interval`;
    }
  });

  it("400 is permanent at once; 3xx is never followed with the key (download and key check)", async () => {
    const capture = await startCaptureServer();
    try {
      const user = await newUser();
      limitless.setDefault(user.apiKey, (startMs) =>
        new Date(startMs).getUTCHours() < 12 ? { status: 400 } : { redirect: capture.url },
      );
      await keyRequest(user, "PUT", { apiKey: user.apiKey });
      await ingest();
      const windows = await windowsOf(user.id);
      const early = windows.filter((w) => w.starts_at.getUTCHours() < 12);
      expect(early.map((w) => [w.state, w.attempts, w.last_error?.split(":")[0]])).toEqual(
        Array(6).fill(["failed", 1, "UPSTREAM_400"]),
      );
      const late = windows.filter((w) => w.starts_at.getUTCHours() >= 12);
      expect(late.map((w) => [w.state, w.last_error?.split(":")[0]])).toEqual(
        Array(6).fill(["pending", "UPSTREAM_REDIRECT"]),
      );
      expect(capture.seen).toHaveLength(0);
      expect(await recordingsOf(user.id)).toBe(0);
      expect(await objectsOf(user.id)).toBe(0);

      const other = await newUser();
      limitless.programKeyCheck([{ redirect: capture.url, status: 307 }]);
      const refused = await keyRequest(other, "PUT", { apiKey: other.apiKey });
      expect(refused).toMatchObject({ status: 503, body: { error: { code: "UPSTREAM_UNAVAILABLE" } } });
      expect(capture.seen).toHaveLength(0);
      await db.sql`delete from queue.ingest_windows where user_id = ${user.id}`;
    } finally {
      await capture.close();
    }
  });

  it("403 is its own key state; a 401 or 403 key is probed again later and resumes when it works", async () => {
    const forbidden = await newUser();
    const revoked = await newUser();
    for (const user of [forbidden, revoked]) {
      limitless.setDefault(user.apiKey, () => ({ audio: oggAudio }));
      await keyRequest(user, "PUT", { apiKey: user.apiKey });
    }
    limitless.forbidKey(forbidden.apiKey);
    limitless.revokeKey(revoked.apiKey);
    await ingest();
    expect((await keyRequest(forbidden, "GET")).body).toMatchObject({ status: "forbidden" });
    expect((await keyRequest(revoked, "GET")).body).toMatchObject({ status: "invalid" });
    // Before the re-check period nothing is asked again.
    expect((await ingest()).claimed).toBe(0);
    // The key works again upstream; once the re-check period has passed, one probe revives it.
    limitless.addKey(forbidden.apiKey);
    limitless.addKey(revoked.apiKey);
    await db.sql`update private.limitless_keys set checked_at = now() - interval '7 hours'
                 where user_id in (${forbidden.id}, ${revoked.id})`;
    await ingest();
    await ingest();
    for (const user of [forbidden, revoked]) {
      expect((await keyRequest(user, "GET")).body).toMatchObject({
        status: "valid",
        invalidSince: null,
        windows: { downloaded: 12 },
      });
    }
  });

  it("a 429 holds back that key only, for the body's retryAfter; other users download in the same run", async () => {
    const limited = await newUser();
    const other = await newUser();
    limitless.setDefault(limited.apiKey, () => ({
      status: 429,
      body: JSON.stringify({ error: "Too many requests", retryAfter: 600 }),
    }));
    limitless.setDefault(other.apiKey, () => ({ audio: oggAudio }));
    await keyRequest(limited, "PUT", { apiKey: limited.apiKey });
    await keyRequest(other, "PUT", { apiKey: other.apiKey });
    const summary = await ingest();
    expect(summary.downloaded).toBe(12);
    const waiting = (await windowsOf(limited.id)).filter((w) => w.run_at.getTime() > Date.now());
    expect(waiting.length).toBe(summary.rateLimited);
    for (const w of waiting) {
      expect(w.attempts).toBe(0);
      expect(w.run_at.getTime() - Date.now()).toBeGreaterThan(500_000);
    }
    expect((await ingest()).claimed).toBe(0);
    await db.sql`delete from queue.ingest_windows where user_id = ${limited.id}`;
  });

  it("an endless body is cut at the window's byte cap; a cut Ogg and an HTML 200 are retried; nothing stored", async () => {
    const user = await newUser();
    const starts = [...oggAudio.keys()].filter((i) => oggAudio[i] === 0x4f && oggAudio[i + 1] === 0x67);
    // Cut before the last (end-of-stream) page; the stand-in sends Content-Length of what it sends.
    const cut = oggAudio.slice(0, starts.at(-1));
    const html = new TextEncoder().encode("<!DOCTYPE html><html><body>Bad gateway</body></html>");
    limitless.setDefault(user.apiKey, (startMs) => {
      const hour = new Date(startMs).getUTCHours();
      if (hour === 0) return { endless: oggAudio };
      return hour === 2 ? { audio: cut } : { audio: html };
    });
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    limitless.program(user.apiKey, (await windowsOf(user.id))[1].starts_at.getTime(), [
      { audio: cut },
      { audio: oggAudio },
    ]);
    limitless.program(user.apiKey, (await windowsOf(user.id))[2].starts_at.getTime(), [
      { audio: html },
      { audio: oggAudio },
    ]);
    await ingest();
    const windows = await windowsOf(user.id);
    expect(windows.slice(0, 3).map((w) => w.last_error?.split(":")[0])).toEqual([
      "TOO_LARGE",
      "CUT_AUDIO",
      "NOT_OGG",
    ]);
    expect(windows.slice(0, 3).map((w) => w.state)).toEqual(["pending", "pending", "pending"]);
    expect(await objectsOf(user.id)).toBe(0);
    const endless = limitless.requests.find(
      (r) => r.key === user.apiKey && r.startMs === windows[0].starts_at.getTime(),
    );
    expect(endless?.bytes).toBeLessThan(40 * 1024 * 1024);
    await runnableNow();
    await ingest();
    const after = await windowsOf(user.id);
    expect(after.slice(1, 3).map((w) => w.state)).toEqual(["downloaded", "downloaded"]);
    await db.sql`delete from queue.ingest_windows where user_id = ${user.id}`;
  });

  it("a short window is listed as short and asked again later: a longer answer replaces it, an equal one stores nothing", async () => {
    await db.sql`update queue.ingest_settings set full_audio_ratio = default`;
    try {
      const user = await newUser();
      limitless.setDefault(user.apiKey, () => ({ status: 404 }));
      await keyRequest(user, "PUT", { apiKey: user.apiKey });
      const [first] = await windowsOf(user.id);
      const longer = new Uint8Array(2 * oggAudio.byteLength);
      longer.set(oggAudio);
      longer.set(oggAudio, oggAudio.byteLength);
      limitless.program(user.apiKey, first.starts_at.getTime(), [
        { audio: oggAudio },
        { audio: oggAudio },
        { audio: longer },
      ]);
      expect(await ingest()).toMatchObject({ downloaded: 1, noAudio: 11 });
      const stateOf = async () =>
        (
          await db.sql`select state, audio_ms, recording_id from queue.ingest_window_states
                      where window_id = ${first.window_id}`
        )[0];
      const stored = await stateOf();
      expect(stored.state).toBe("short");
      expect(stored.audio_ms).toBeGreaterThan(4000);
      expect((await keyRequest(user, "GET")).body).toMatchObject({ windows: { short: 1, no_audio: 11 } });

      const requeue = async (hours: number) =>
        (
          await db.sql`select * from queue.plan_ingest(now() + ${`${hours} hours`}::interval, ${user.id}::uuid)`
        )[0].short_requeued;
      expect(await requeue(1)).toBe(1);
      expect(await ingest()).toMatchObject({ unchanged: 1, downloaded: 0 });
      expect(await stateOf()).toEqual(stored);
      // The next ask waits twice as long.
      expect(await requeue(1)).toBe(0);
      expect(await requeue(2)).toBe(1);
      await db.sql`update queue.jobs set status = 'done' where recording_id = ${stored.recording_id}`;
      expect(await ingest()).toMatchObject({ downloaded: 1 });
      const grown = await stateOf();
      expect(grown.recording_id).toBe(stored.recording_id);
      expect(grown.audio_ms).toBeGreaterThan(stored.audio_ms + 4000);
      const [recording] = await db.sql`select object_key, size_bytes, status from public.recordings
                                       where id = ${stored.recording_id}`;
      expect(Number(recording.size_bytes)).toBe(longer.byteLength);
      const object = await s3.client.send(
        new GetObjectCommand({ Bucket: "recordings", Key: recording.object_key }),
      );
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.from(longer))).toBe(true);
      // Detection runs again on the longer audio.
      const [detect] =
        await db.sql`select status from queue.jobs where kind = 'detect' and recording_id = ${stored.recording_id}`;
      expect(detect.status).toBe("queued");
      expect(await recordingsOf(user.id)).toBe(1);
    } finally {
      await db.sql`update queue.ingest_settings set full_audio_ratio = 0`;
    }
  });

  /**
   * Starts an ingest run whose first two downloads of a new user are held open by the stand-in, and runs
   * what delete-all does to the user's rows while they are: their data (user_api.delete_my_data as the
   * user) and key, and (second window) the window with its job. Hands back the running ingest and the
   * release of the held answers.
   */
  async function deleteAllDuringHeldDownloads() {
    const user = await newUser();
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    limitless.setDefault(user.apiKey, () => ({ status: 404 }));
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    const [first, second] = await windowsOf(user.id);
    for (const w of [first, second]) {
      limitless.program(user.apiKey, w.starts_at.getTime(), [{ held, answer: { audio: oggAudio } }]);
    }
    const running = ingest();
    const asked = (w: { starts_at: Date }) =>
      limitless.requests.some((r) => r.key === user.apiKey && r.startMs === w.starts_at.getTime());
    while (!asked(first) || !asked(second)) await new Promise((r) => setTimeout(r, 20));
    await db.sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: user.id, role: "authenticated" })}, true)`;
      await tx`set local role authenticated`;
      await tx`select * from user_api.delete_my_data()`;
    });
    await db.sql`select queue.remove_limitless_key(${user.id}::uuid)`;
    await db.sql`delete from queue.ingest_windows where id = ${second.window_id}`;
    return { user, running, release };
  }

  it("delete-all during downloads held open: they re-create nothing, their objects are deleted", async () => {
    const { user, running, release } = await deleteAllDuringHeldDownloads();
    release();
    // Both refusals are dropped, whichever way each ended: registration refused (its object deleted), or,
    // on a loaded machine, the 1.5 s download timeout before the answer came (nothing stored).
    expect(await running).toMatchObject({ downloaded: 0, dropped: 2, errors: 0 });
    expect(await recordingsOf(user.id)).toBe(0);
    expect(await objectsOf(user.id)).toBe(0);
  });

  it("delete-all during downloads that then time out: dropped, not errors", async () => {
    const { user, running, release } = await deleteAllDuringHeldDownloads();
    // Released only after the run: both downloads hit the download timeout with their jobs gone.
    const summary = await running;
    release();
    expect(summary).toMatchObject({ downloaded: 0, retried: 0, dropped: 2, errors: 0 });
    expect(await recordingsOf(user.id)).toBe(0);
    expect(await objectsOf(user.id)).toBe(0);
  });

  it("delete-all during uploads whose objects then cannot be deleted: dropped, the objects queued for dispatch", async () => {
    const user = await newUser();
    limitless.setDefault(user.apiKey, () => ({ status: 404 }));
    await keyRequest(user, "PUT", { apiKey: user.apiKey });
    const [first, second] = await windowsOf(user.id);
    for (const w of [first, second])
      limitless.program(user.apiKey, w.starts_at.getTime(), [{ audio: oggAudio }]);
    const keys = (
      await db.sql<{ object_key: string }[]>`
        select object_key from queue.ingest_windows where id in (${first.window_id}, ${second.window_id})
        order by object_key`
    ).map((row) => row.object_key);
    // The downloads finish at once; their uploads are held (so no download timeout is raced), and then
    // every DELETE fails, as a storage outage would make it.
    let release = () => {};
    s3Proxy.holdParts = new Promise<void>((r) => {
      release = r;
    });
    const heldBefore = s3Proxy.heldParts;
    const running = ingest();
    try {
      while (s3Proxy.heldParts < heldBefore + 2) await new Promise((r) => setTimeout(r, 20));
      await db.sql.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: user.id, role: "authenticated" })}, true)`;
        await tx`set local role authenticated`;
        await tx`select * from user_api.delete_my_data()`;
      });
      s3Proxy.failDeletes = true;
    } finally {
      s3Proxy.holdParts = undefined;
      release();
    }
    const summary = await running.finally(() => {
      s3Proxy.failDeletes = false;
    });
    expect(summary).toMatchObject({ downloaded: 0, dropped: 2, errors: 0 });
    expect(await objectsOf(user.id)).toBe(2);
    const queued = await db.sql<{ bucket: string; object_key: string }[]>`
      select bucket, object_key from queue.upload_deletions where object_key like ${`${user.id}/%`}
      order by object_key`;
    expect(queued).toEqual(keys.map((object_key) => ({ bucket: "recordings", object_key })));
    // Dispatch takes them (nothing of the user names them any more), and deletes them.
    const taken = await db.sql<{ object_key: string }[]>`
      select object_key from queue.take_upload_deletions(100) where object_key like ${`${user.id}/%`}
      order by object_key`;
    expect(taken.map((row) => row.object_key)).toEqual(keys);
    await db.sql`delete from queue.upload_deletions where object_key = any(${keys}::text[])`;

    // A key a window names (a window planned again for the same time) is neither queued nor taken.
    const other = await newUser();
    limitless.setDefault(other.apiKey, () => ({ status: 404 }));
    await keyRequest(other, "PUT", { apiKey: other.apiKey });
    const [{ object_key: live }] = await db.sql<{ object_key: string }[]>`
      select object_key from queue.ingest_windows where user_id = ${other.id} limit 1`;
    const [{ queuedLive }] = await db.sql`select queue.discard_ingest_object(${live}) as "queuedLive"`;
    expect(queuedLive).toBe(false);
    await db.sql`insert into queue.upload_deletions (bucket, object_key) values ('recordings', ${live})`;
    const takenLive = await db.sql`select 1 from queue.take_upload_deletions(100) where object_key = ${live}`;
    expect(takenLive).toHaveLength(0);
    await db.sql`delete from queue.upload_deletions where object_key = ${live}`;
    await db.sql`delete from queue.ingest_windows where user_id = ${other.id}`;
  });
});
