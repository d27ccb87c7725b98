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
import { type S3Endpoint, storageEnv } from "../../test/harness/s3.ts";

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
