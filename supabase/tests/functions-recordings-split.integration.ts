/**
 * Recordings larger than one Storage object (issue 12, item 7): the limit is MAX_RECORDING_BYTES (the
 * recordings bucket's file_size_limit); a longer night is planned as consecutive parts
 * (`POST /recordings/parts`, or the 413's details), and each part registers, uploads and confirms as its
 * own recording.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import { authEnv, FUNCTIONS_CONFIG, startTestAuth, storageEnv, userToken } from "./functions-helpers.ts";

/** A small stand-in for the Free plan's 50 MB, so the test moves little data. */
const MAX_RECORDING_BYTES = 1024 * 1024;

let db: TestDatabase;
let s3: S3Endpoint;
let auth: RunningAuthServer;
let fn: DenoServer;
let userId: string;
let token: string;

beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await pauseCron(db.sql);
  auth = await startTestAuth(db.sql);
  userId = await createUser(db.sql, "Europe/Madrid");
  token = await userToken(userId);
  fn = await startDenoServer("supabase/functions/recordings/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: {
      SUPABASE_DB_URL: db.url,
      MAX_RECORDING_BYTES: String(MAX_RECORDING_BYTES),
      ...authEnv(auth),
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

async function post(path: string, body: unknown) {
  return await fetch(`${fn.url}/recordings${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

// An 8-hour night declared at 2.5 MiB against a 1 MiB limit.
const night = {
  startedAt: "2026-11-20T22:00:00Z",
  endedAt: "2026-11-21T06:00:00Z",
  format: "ogg-opus",
  sizeBytes: 2.5 * MAX_RECORDING_BYTES,
};

describe("a night larger than one object", () => {
  it("POST /recordings answers 413 with the plan, registering nothing", async () => {
    const res = await post("", night);
    expect(res.status).toBe(413);
    const { error } = await res.json();
    expect(error.code).toBe("RECORDING_TOO_LARGE");
    expect(error.details.maxPartBytes).toBe(MAX_RECORDING_BYTES);
    expect(error.details.parts).toHaveLength(3);
    const [{ n }] = await db.sql`select count(*)::int as n from public.recordings where user_id = ${userId}`;
    expect(n).toBe(0);
  });

  it("is split by POST /recordings/parts into consecutive parts that each register, upload and confirm", async () => {
    const res = await post("/parts", night);
    expect(res.status).toBe(200);
    const plan = await res.json();
    expect(plan.parts.map((p: { startedAt: string }) => p.startedAt)).toEqual([
      "2026-11-20T22:00:00.000Z",
      "2026-11-21T00:40:00.000Z",
      "2026-11-21T03:20:00.000Z",
    ]);
    for (const part of plan.parts) {
      expect(part.estimatedBytes).toBeLessThanOrEqual(MAX_RECORDING_BYTES);
      // The client cuts its audio at the part's times; each cut is a little different from the estimate.
      const bytes = new Uint8Array(part.estimatedBytes - 1000).fill(7);
      const registered = await post("", {
        startedAt: part.startedAt,
        endedAt: part.endedAt,
        format: "ogg-opus",
        sizeBytes: bytes.byteLength,
      });
      expect(registered.status).toBe(201);
      const { recordingId, uploadUrl, uploadHeaders } = await registered.json();
      expect((await fetch(uploadUrl, { method: "PUT", body: bytes, headers: uploadHeaders })).status).toBe(200);
      const confirmed = await post(`/${recordingId}/uploaded`, {});
      expect(await confirmed.json()).toEqual({ recordingId, status: "pending" });
    }
    const rows = await db.sql`
      select started_at, ended_at, status from public.recordings where user_id = ${userId} order by started_at`;
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.status === "pending")).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i].started_at).toEqual(rows[i - 1].ended_at);
    expect(rows[2].ended_at).toEqual(new Date(night.endedAt));
  });

  it("plans one part for a recording that fits; 400 for a size no audio has; 405 for GET", async () => {
    const fits = await post("/parts", { ...night, sizeBytes: 1000 });
    expect((await fits.json()).parts).toEqual([
      { startedAt: "2026-11-20T22:00:00.000Z", endedAt: "2026-11-21T06:00:00.000Z", estimatedBytes: 1000 },
    ]);
    const absurd = await post("/parts", {
      ...night,
      endedAt: "2026-11-20T22:01:00Z",
      sizeBytes: 50 * MAX_RECORDING_BYTES,
    });
    expect(absurd.status).toBe(400);
    expect((await absurd.json()).error.code).toBe("INVALID_BODY");
    const get = await fetch(`${fn.url}/recordings/parts`, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
  });
});
