/**
 * `recordings` Edge Function as a real Deno process against real PostgreSQL and s3rver: user JWT
 * check, registration with a presigned PUT, upload confirmation (HEAD against storage), and the
 * `uploading` status the new migration adds (ignored by the sweep, queued on confirmation of a late day).
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import { authEnv, FUNCTIONS_CONFIG, startTestAuth, storageEnv, userToken } from "./functions-helpers.ts";

const MAX_RECORDING_BYTES = 1_000_000;
const MAX_DAILY_RECORDINGS = 8;
const MAX_DAILY_BYTES = 200_000;

let db: TestDatabase;
let s3: S3Endpoint;
let fn: DenoServer;
let auth: RunningAuthServer;
let alice: string;
let bob: string;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  auth = await startTestAuth(db.sql);
  await pauseCron(db.sql);
  alice = await createUser(db.sql, "Asia/Tokyo");
  bob = await createUser(db.sql, "Europe/London");
  [aliceToken, bobToken] = await Promise.all([userToken(alice), userToken(bob)]);
  fn = await startDenoServer("supabase/functions/recordings/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: {
      SUPABASE_DB_URL: db.url,
      ...authEnv(auth),
      MAX_RECORDING_BYTES: String(MAX_RECORDING_BYTES),
      MAX_DAILY_RECORDINGS: String(MAX_DAILY_RECORDINGS),
      MAX_DAILY_BYTES: String(MAX_DAILY_BYTES),
      ...storageEnv(s3),
    },
  });
});

afterAll(async () => {
  await fn?.stop();
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

async function register(body: unknown, token = aliceToken) {
  return await fetch(`${fn.url}/recordings`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function confirm(recordingId: string, token = aliceToken) {
  return await fetch(`${fn.url}/recordings/${recordingId}/uploaded`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
}

const audio = (bytes: number) => new Uint8Array(bytes).map((_, i) => i % 251);

/** PUT through the presigned URL with the headers it binds (fetch sets content-length from the body). */
async function upload(
  created: { uploadUrl: string; uploadHeaders: Record<string, string> },
  bytes: Uint8Array<ArrayBuffer>,
) {
  return await fetch(created.uploadUrl, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": created.uploadHeaders["content-type"] },
  });
}

const body = (startedAt: string, sizeBytes = 4096) => ({
  startedAt,
  endedAt: new Date(Date.parse(startedAt) + 3_600_000).toISOString(),
  format: "ogg-opus",
  sizeBytes,
});

describe("POST /recordings → PUT → POST /recordings/:id/uploaded", () => {
  it("registers, uploads through the presigned URL and confirms (status pending)", async () => {
    // 20:00 UTC is 05:00 the next day in Tokyo: the key carries the *local* date.
    const res = await register({ ...body("2026-11-20T20:00:00Z"), source: "wearable-v2" });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      recordingId: expect.any(String),
      objectKey: `${alice}/2026-11-21/${created.recordingId}.ogg`,
      localDate: "2026-11-21",
      timeZone: "Asia/Tokyo",
    });
    const expiresInMs = Date.parse(created.uploadExpiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(14 * 60_000);
    expect(expiresInMs).toBeLessThanOrEqual(15 * 60_000);
    const uploadUrl = new URL(created.uploadUrl);
    expect(uploadUrl.pathname).toBe(`/recordings/${created.objectKey}`);
    expect(uploadUrl.searchParams.get("X-Amz-Expires")).toBe("900");

    const [row] =
      await db.sql`select status, source, size_bytes::int as size_bytes, local_date::text as local_date
                               from public.recordings where id = ${created.recordingId}`;
    expect(row).toEqual({
      status: "uploading",
      source: "wearable-v2",
      size_bytes: 4096,
      local_date: "2026-11-21",
    });
    // Registered is not ready: no job, and a sweep long after the day ends leaves it alone.
    await db.sql`select * from queue.sweep(${new Date("2026-12-31T00:00:00Z")})`;
    const [{ jobs }] =
      await db.sql`select count(*)::int as jobs from queue.jobs where recording_id = ${created.recordingId}`;
    expect(jobs).toBe(0);

    const put = await upload(created, audio(4096));
    expect(put.status).toBe(200);

    // Someone else's recording looks exactly like a missing one.
    const foreign = await confirm(created.recordingId, bobToken);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: "RECORDING_NOT_FOUND" } });

    const confirmed = await confirm(created.recordingId);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ recordingId: created.recordingId, status: "pending" });
    const [after] = await db.sql`select status from public.recordings where id = ${created.recordingId}`;
    expect(after.status).toBe("pending");

    // Idempotent.
    const again = await confirm(created.recordingId);
    expect(await again.json()).toEqual({ recordingId: created.recordingId, status: "pending" });
  });

  it("a late upload for a day already swept is queued on confirmation, not at registration", async () => {
    await db.sql`insert into queue.swept_days (user_id, local_date) values (${bob}, '2026-11-10')`;
    const res = await register(body("2026-11-10T09:00:00Z", 100), bobToken);
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.objectKey).toBe(`${bob}/2026-11-10/${created.recordingId}.ogg`);
    const [{ jobs }] =
      await db.sql`select count(*)::int as jobs from queue.jobs where recording_id = ${created.recordingId}`;
    expect(jobs).toBe(0);
    expect((await upload(created, audio(100))).status).toBe(200);
    const confirmed = await confirm(created.recordingId, bobToken);
    expect(await confirmed.json()).toEqual({ recordingId: created.recordingId, status: "queued" });
    const [job] = await db.sql`select status from queue.jobs where recording_id = ${created.recordingId}`;
    expect(job.status).toBe("queued");
  });

  it("409 when the object is missing or its size differs from the declared one", async () => {
    const missing = await (await register(body("2026-11-20T01:00:00Z"))).json();
    const res = await confirm(missing.recordingId);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: "UPLOAD_MISSING" } });

    const partial = await (await register(body("2026-11-20T02:00:00Z", 5000))).json();
    await upload(partial, audio(1000));
    const short = await confirm(partial.recordingId);
    expect(short.status).toBe(409);
    expect(await short.json()).toMatchObject({ error: { code: "UPLOAD_SIZE_MISMATCH" } });

    const rows =
      await db.sql`select status from public.recordings where id in ${db.sql([missing.recordingId, partial.recordingId])}`;
    expect(rows.map((r) => r.status)).toEqual(["uploading", "uploading"]);
  });

  it("401 without a valid user token", async () => {
    const cases: [string, string | null][] = [
      ["no header", null],
      ["garbage", "Bearer not-a-jwt"],
      [
        "another secret",
        `Bearer ${await userToken(alice, { secret: "some-other-secret-0123456789abcdef" })}`,
      ],
      ["expired", `Bearer ${await userToken(alice, { expiresIn: "-2h" })}`],
      ["anon key", `Bearer ${await userToken(alice, { role: "anon" })}`],
      ["service role", `Bearer ${await userToken(alice, { role: "service_role" })}`],
    ];
    for (const [name, authorization] of cases) {
      const res = await fetch(`${fn.url}/recordings`, {
        method: "POST",
        headers: authorization === null ? {} : { authorization },
        body: JSON.stringify(body("2026-11-20T03:00:00Z")),
      });
      expect(res.status, name).toBe(401);
      expect((await res.json()).error.code, name).toMatch(/TOKEN/);
    }
    const [{ n }] =
      await db.sql`select count(*)::int as n from public.recordings where started_at = '2026-11-20T03:00:00Z'`;
    expect(n).toBe(0);
  });

  it("400 for a bad body: reversed or over-long span, unknown format, bad id", async () => {
    const bad = [
      { ...body("2026-11-20T04:00:00Z"), endedAt: "2026-11-20T03:00:00Z" },
      { ...body("2026-11-20T04:00:00Z"), endedAt: "2026-11-21T04:00:01Z" },
      { ...body("2026-11-20T04:00:00Z"), format: "aac" },
      { ...body("2026-11-20T04:00:00Z"), startedAt: "2026-11-20 04:00" },
    ];
    for (const b of bad) {
      const res = await register(b);
      expect(res.status, JSON.stringify(b)).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: "INVALID_BODY", details: expect.any(Array) });
    }
    expect((await confirm("not-a-uuid")).status).toBe(400);
    expect(
      (await fetch(`${fn.url}/recordings`, { headers: { authorization: `Bearer ${aliceToken}` } })).status,
    ).toBe(405);
  });
});

describe("abuse paths (issue 11)", () => {
  it("binds the upload's length and type into the URL and pins the confirmed object's ETag", async () => {
    const created = await (await register(body("2026-11-19T10:00:00Z", 2048))).json();
    expect(created.uploadHeaders).toEqual({ "content-length": "2048", "content-type": "audio/ogg" });
    // Storage checks these signed headers: another length or type does not match the signature.
    expect(new URL(created.uploadUrl).searchParams.get("X-Amz-SignedHeaders")).toBe(
      "content-length;content-type;host",
    );
    expect((await upload(created, audio(2048))).status).toBe(200);
    expect((await confirm(created.recordingId)).status).toBe(200);
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.buckets.recordings, Key: created.objectKey }),
    );
    const [row] = await db.sql`select audio_etag from public.recordings where id = ${created.recordingId}`;
    expect(row.audio_etag).toBe(head.ETag);
    expect(row.audio_etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("409 UPLOAD_TYPE_MISMATCH when the object was stored with another content-type", async () => {
    const created = await (await register(body("2026-11-19T12:00:00Z", 1000))).json();
    // s3rver does not check signatures, so the wrong type gets stored here; the confirmation catches it.
    await fetch(created.uploadUrl, {
      method: "PUT",
      body: audio(1000),
      headers: { "content-type": "text/html" },
    });
    const res = await confirm(created.recordingId);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: "UPLOAD_TYPE_MISMATCH" } });
  });

  it("refuses overlapping, future and absurd ranges", async () => {
    expect((await register(body("2026-11-18T10:00:00Z"))).status).toBe(201);
    for (const startedAt of ["2026-11-18T10:00:00Z", "2026-11-18T10:59:59Z", "2026-11-18T09:00:01Z"]) {
      const res = await register(body(startedAt));
      expect(res.status, startedAt).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: "RECORDING_OVERLAP" } });
    }
    // Adjacent is fine (and another user's timeline is their own).
    expect((await register(body("2026-11-18T09:00:00Z", 100), bobToken)).status).toBe(201);

    const future = await register(body(new Date(Date.now() + 3_600_000).toISOString()));
    expect(future.status).toBe(400);
    expect(await future.json()).toMatchObject({ error: { code: "INVALID_RANGE" } });
    for (const startedAt of ["1900-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-01-01T00:00:00Z"]) {
      const res = await register(body(startedAt));
      expect(res.status, startedAt).toBe(400);
    }
    // The database refuses them too, whoever calls it.
    for (const [startedAt, endedAt] of [
      ["1900-01-01T00:00:00Z", "1900-01-01T01:00:00Z"],
      ["9999-01-01T00:00:00Z", "9999-01-01T01:00:00Z"],
    ]) {
      const error =
        await db.sql`select * from queue.register_recording(${alice}::uuid, ${startedAt}::timestamptz,
        ${endedAt}::timestamptz, 'wav', 10)`.catch((e) => e);
      expect(error.code).toBe("22023");
    }
  });

  it("caps registrations and declared bytes per user per 24 hours (429 QUOTA_EXCEEDED)", async () => {
    const carol = await createUser(db.sql, "UTC");
    const carolToken = await userToken(carol);
    const at = (hour: number) => new Date(Date.UTC(2026, 10, 1, hour)).toISOString();
    for (let i = 0; i < MAX_DAILY_RECORDINGS; i++) {
      expect((await register(body(at(i), 10), carolToken)).status).toBe(201);
    }
    const over = await register(body(at(MAX_DAILY_RECORDINGS), 10), carolToken);
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ error: { code: "QUOTA_EXCEEDED" } });

    const dave = await createUser(db.sql, "UTC");
    const daveToken = await userToken(dave);
    expect((await register(body(at(0), MAX_DAILY_BYTES - 100), daveToken)).status).toBe(201);
    const bytes = await register(body(at(1), 101), daveToken);
    expect(bytes.status).toBe(429);
    expect(await bytes.json()).toMatchObject({ error: { code: "QUOTA_EXCEEDED" } });
  });

  it("413 for a registration body over 16 KiB; 400 for year 0000", async () => {
    const res = await fetch(`${fn.url}/recordings`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ ...body("2026-11-17T10:00:00Z"), padding: "x".repeat(48 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    const year0 = await register({ ...body("2026-11-17T10:00:00Z"), startedAt: "0000-01-01T00:00:00Z" });
    expect(year0.status).toBe(400);
    expect(await year0.json()).toMatchObject({ error: { code: "INVALID_BODY" } });
  });
});
