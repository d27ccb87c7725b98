import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "./database.ts";
import { startDenoServer } from "./deno.ts";
import { type S3Endpoint, startS3 } from "./s3.ts";

describe("PostgreSQL 15 + pg_cron", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(() => db.stop());

  it("runs the Supabase platform mirror", async () => {
    const [row] = await db.sql`select current_setting('server_version_num')::int as version,
      exists(select from pg_roles where rolname = 'service_role' and rolbypassrls) as service_role,
      to_regprocedure('auth.uid()') is not null as auth_uid`;
    expect(row.version).toBeGreaterThanOrEqual(150000);
    expect(row.version).toBeLessThan(160000);
    expect(row.service_role).toBe(true);
    expect(row.auth_uid).toBe(true);
  });

  it("auth.uid() reads request.jwt.claims", async () => {
    const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const [row] = await db.sql.begin(async (sql) => {
      await sql`select set_config('request.jwt.claims', ${JSON.stringify({ sub: id, role: "authenticated" })}, true)`;
      return await sql`select auth.uid() as uid, auth.role() as role`;
    });
    expect(row).toEqual({ uid: id, role: "authenticated" });
  });

  // pg_cron 1.4 schedules by the minute, so this waits for the next minute boundary (at most ~70 s).
  it("a job scheduled by SQL actually runs and writes a row", async () => {
    await db.sql`create extension if not exists pg_cron`;
    await db.sql`create table public.harness_ticks (id bigserial primary key, at timestamptz not null default now())`;
    await db.sql`select cron.schedule('harness-tick', '* * * * *', 'insert into public.harness_ticks default values')`;
    const deadline = Date.now() + 75_000;
    let ticks = 0;
    while (Date.now() < deadline && ticks === 0) {
      await new Promise((r) => setTimeout(r, 1000));
      [{ ticks }] = await db.sql`select count(*)::int as ticks from public.harness_ticks`;
    }
    expect(ticks).toBeGreaterThan(0);
    const [run] = await db.sql`select status from cron.job_run_details order by runid desc limit 1`;
    expect(run.status).toBe("succeeded");
  }, 90_000);
});

describe("s3rver", () => {
  let s3: S3Endpoint;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(() => s3.stop());

  it("round-trips an object through the SDK and through a presigned URL", async () => {
    const body = new Uint8Array(200_000).map((_, i) => i % 251);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.buckets.recordings, Key: "u/1.bin", Body: body }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.buckets.recordings, Key: "u/1.bin" }));
    expect(new Uint8Array(await got.Body!.transformToByteArray())).toEqual(body);

    const url = await getSignedUrl(
      s3.client,
      new GetObjectCommand({ Bucket: s3.buckets.recordings, Key: "u/1.bin" }),
      {
        expiresIn: 60,
      },
    );
    expect(url).toContain("X-Amz-Signature=");
    const response = await request(url);
    expect(response.statusCode).toBe(200);
    expect(new Uint8Array(await response.body.arrayBuffer())).toEqual(body);
  });

  it("deletes the objects of a folder at once as S3 does: every DELETE answers 204", async () => {
    // Ten folders of two objects each (a user's two windows of one day).
    const keys = Array.from({ length: 20 }, (_, i) => `together/${i >> 1}/${i & 1}.ogg`);
    const Bucket = s3.buckets.recordings;
    await Promise.all(keys.map((Key) => s3.client.send(new PutObjectCommand({ Bucket, Key, Body: "x" }))));
    // s3rver alone answers 500 to some of these (its emptied-folder clean-up races; see s3.ts). One
    // attempt each, as the Edge Functions' presigned DELETE makes: the SDK would retry a 500.
    const once = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await Promise.all(keys.map((Key) => once.send(new DeleteObjectCommand({ Bucket, Key }))));
    } finally {
      once.destroy();
    }
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: "together/" }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});

describe("Deno", () => {
  it("serves a Hono app over HTTP as a real process", async () => {
    const server = await startDenoServer(new URL("../fixtures/deno/hello-hono.ts", import.meta.url).pathname);
    try {
      const hello = await fetch(server.url);
      expect(await hello.json()).toMatchObject({ runtime: "deno" });
      const echo = await fetch(`${server.url}/echo`, { method: "POST", body: JSON.stringify({ a: 1 }) });
      expect(await echo.json()).toEqual({ echoed: { a: 1 } });
    } finally {
      await server.stop();
    }
  });
});
