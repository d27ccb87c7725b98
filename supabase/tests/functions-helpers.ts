/**
 * @module
 * Shared setup for the Edge Function integration tests (`functions-*.integration.ts`): the S3 env the
 * functions read, user JWTs, uploading recordings, and a Node HTTP server for stub/real nodes.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createAdaptorServer } from "@hono/node-server";
import { SignJWT } from "jose";
import type postgres from "postgres";
import { type RunningAuthServer, startAuthServer } from "../../test/harness/auth-server.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, storageEnv } from "../../test/harness/s3.ts";
import { createRecording, event } from "./fixtures.ts";

export const FUNCTIONS_CONFIG = "supabase/functions/deno.json";
export const TEST_JWT_SECRET = "functions-test-jwt-secret-0123456789abcdef";
/** Signs POST /infer (dispatch → node). */
export const INFER_SECRET = "functions-test-infer-secret-0123456789abcdef";
/** Signs POST /report (node → report function). */
export const REPORT_SECRET = "functions-test-report-secret-0123456789abcde";

/** The common S3 variables, pointed at s3rver (re-exported from the harness). */
export { storageEnv };

/**
 * The `iss` of test tokens. The functions are told it through GIGGLES_AUTH_ISSUER (as on the CLI's local
 * stack, where Auth signs another address than the functions reach it at), so tokens can be minted before
 * the Auth stand-in's port is known.
 */
export const TEST_AUTH_ISSUER = "http://auth.giggles.test/auth/v1";
export const TEST_ANON_KEY = "functions-test-anon-key";

/**
 * Supabase Auth for the functions under test: the stand-in on the legacy HS256 secret (TEST_JWT_SECRET),
 * reading users from `auth.users`, so tokens from {@link userToken} are checked by `GET /auth/v1/user`.
 */
export async function startTestAuth(sql: postgres.Sql): Promise<RunningAuthServer> {
  return await startAuthServer({
    signing: { kind: "hs256", secret: TEST_JWT_SECRET },
    sql,
    issuer: TEST_AUTH_ISSUER,
  });
}

/** The functions' variables for verifying users against `auth`. */
export function authEnv(auth: RunningAuthServer): Record<string, string> {
  return {
    SUPABASE_URL: auth.url,
    SUPABASE_ANON_KEY: TEST_ANON_KEY,
    GIGGLES_AUTH_ISSUER: auth.service.issuer,
  };
}

/** A Supabase-style access token for `userId`, signed HS256 with the test secret. */
export async function userToken(
  userId: string,
  { role = "authenticated", secret = TEST_JWT_SECRET, expiresIn = "1h" } = {},
): Promise<string> {
  return await new SignJWT({ role, aud: "authenticated", email: `${userId}@example.test` })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(TEST_AUTH_ISSUER)
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Puts `body` into a bucket. */
export async function putObject(
  s3: S3Endpoint,
  bucket: string,
  key: string,
  body: Uint8Array,
): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Inserts a recording whose object exists in s3rver, and queues its job; returns ids. */
export async function queuedRecording(
  sql: postgres.Sql,
  s3: S3Endpoint,
  userId: string,
  startedAt: Date,
  body: Uint8Array = new TextEncoder().encode(`audio ${crypto.randomUUID()}`),
): Promise<{ recordingId: string; jobId: string; objectKey: string; body: Uint8Array }> {
  const objectKey = `${userId}/${startedAt.toISOString().slice(0, 10)}/${crypto.randomUUID()}.ogg`;
  await putObject(s3, s3.buckets.recordings, objectKey, body);
  const [row] = await sql`
    insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes)
    values (${userId}, ${objectKey}, ${startedAt}, ${new Date(startedAt.getTime() + 600_000)}, 'ogg-opus',
            ${body.byteLength})
    returning id`;
  const [{ job_id }] = await sql`select queue.enqueue(${row.id}) as job_id`;
  return { recordingId: row.id, jobId: String(job_id), objectKey, body };
}

/**
 * A recording processed as a node would report it: one event per offset (2 s each), each with a clip in
 * s3rver (`clip <key>`); `withAudio` also puts the recording's own object. Other queued jobs keep their
 * run_at. Returns the recording (id, localDate).
 */
export async function processedRecording(
  sql: postgres.Sql,
  s3: S3Endpoint,
  userId: string,
  startedAt: string,
  offsetsMs: number[],
  { durationMinutes = 120, withAudio = false } = {},
): Promise<{ id: string; localDate: string }> {
  const recording = await createRecording(sql, { userId, startedAt, durationMinutes });
  if (withAudio) {
    const [{ object_key: objectKey }] =
      await sql`select object_key from public.recordings where id = ${recording.id}`;
    await putObject(s3, s3.buckets.recordings, objectKey, new TextEncoder().encode(`audio ${objectKey}`));
  }
  await sql`select queue.enqueue(${recording.id})`;
  // Only this recording's job is claimable for the moment.
  const [{ held }] = await sql`
    with held as (
      update queue.jobs set run_at = now() + interval '1 day'
      where status = 'queued' and recording_id <> ${recording.id} returning id)
    select coalesce(array_agg(id), '{}') as held from held`;
  const [job] = await sql`select job_id, lease_token from queue.claim(1, '10 minutes', 'node-1')`;
  await sql`update queue.jobs set run_at = now() where id = any(${held}::bigint[])`;
  const events = [];
  for (const offset of offsetsMs) {
    const clip = `${userId}/${recording.id}/${offset}.wav`;
    await putObject(s3, s3.buckets.clips, clip, new TextEncoder().encode(`clip ${clip}`));
    events.push(event(offset, offset + 2000, clip));
  }
  await sql`select queue.complete(${job.job_id}, ${job.lease_token}, ${sql.json(events)},
                                  ${sql.json({ audio_seconds: durationMinutes * 60, wall_ms: 1000 })}, 'm@1')`;
  return recording;
}

export interface NodeHttpServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a fetch handler on 127.0.0.1 and a free port (the way @hono/node-server's tests do). */
export async function serveFetch(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<NodeHttpServer> {
  const server = createAdaptorServer({ fetch, hostname: "127.0.0.1" });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** Bearer of the dispatch function started by `startHousekeepingDispatch`. */
export const HOUSEKEEPING_DISPATCH_TOKEN = "dispatch-test-token-0123456789";

/**
 * The dispatch function under Deno with no node to reach: its pass only does the housekeeping (the
 * object deletions of `queue.upload_deletions`). `runHousekeeping` runs one pass and returns its summary.
 */
export async function startHousekeepingDispatch(dbUrl: string, s3: S3Endpoint): Promise<DenoServer> {
  return await startDenoServer("supabase/functions/dispatch/index.ts", {
    config: FUNCTIONS_CONFIG,
    env: {
      SUPABASE_DB_URL: dbUrl,
      DISPATCH_TOKEN: HOUSEKEEPING_DISPATCH_TOKEN,
      INFERENCE_NODE_URLS: "http://127.0.0.1:9",
      INFER_SIGNING_SECRET: INFER_SECRET,
      REPORT_URL: "http://127.0.0.1:9/report",
      NODE_TIMEOUT_MS: "500",
      ...storageEnv(s3),
    },
  });
}

/** One pass of a `startHousekeepingDispatch` function (`?wait=1`): its JSON summary. */
export async function runHousekeeping(dispatch: DenoServer): Promise<{ uploadsDeleted: number }> {
  const pass = await fetch(`${dispatch.url}/dispatch?wait=1`, {
    method: "POST",
    headers: { authorization: `Bearer ${HOUSEKEEPING_DISPATCH_TOKEN}`, "content-type": "application/json" },
    body: "{}",
  });
  if (pass.status !== 200) throw new Error(`dispatch answered ${pass.status}: ${await pass.text()}`);
  return await pass.json();
}
