/**
 * `recordings` Edge Function as a real Deno process against real PostgreSQL and s3rver: user JWT
 * check, registration with a presigned PUT, upload confirmation (HEAD against storage), and the
 * `uploading` status the new migration adds (ignored by the sweep, queued on confirmation of a late day).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import { authEnv, FUNCTIONS_CONFIG, startTestAuth, storageEnv, userToken } from "./functions-helpers.ts";

const MAX_RECORDING_BYTES = 1_000_000;

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

    const put = await fetch(created.uploadUrl, { method: "PUT", body: audio(4096) });
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
    expect((await fetch(created.uploadUrl, { method: "PUT", body: audio(100) })).status).toBe(200);
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
    await fetch(partial.uploadUrl, { method: "PUT", body: audio(1000) });
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
