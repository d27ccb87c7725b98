/**
 * User tokens in the Edge Functions (the `laughs` function under real Deno) verified with supabase-js
 * `auth.getClaims()` against the Supabase Auth stand-in, on both kinds of project keys:
 * - legacy HS256 secret: every token is checked by `GET /auth/v1/user`, so a rotated secret or an ended
 *   session is refused at once;
 * - asymmetric ES256 and RS256: tokens are checked against the JWKS; a key rotated out is refused; a
 *   token with the real `kid` and another `alg` is 401 (never 500, nor an error log), and forged tokens with
 *   random `kid`s cost at most one JWKS re-fetch per isolate and no `/user` request (issue 21).
 * And the strict claims (issue 11, item 6): a validly signed token with a bad claim is refused.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { decodeProtectedHeader, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthSigning, type RunningAuthServer, startAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { type DenoServer, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { pauseCron } from "./fixtures.ts";
import { FUNCTIONS_CONFIG, storageEnv, TEST_ANON_KEY, TEST_JWT_SECRET } from "./functions-helpers.ts";

let db: TestDatabase;
let s3: S3Endpoint;
beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await pauseCron(db.sql);
});
afterAll(async () => {
  await s3?.stop();
  await db?.stop();
});

const PASSWORD = "a long enough password";

describe.each<[string, AuthSigning]>([
  ["legacy HS256 secret", { kind: "hs256", secret: TEST_JWT_SECRET }],
  ["asymmetric ES256 keys", { kind: "asymmetric", algorithm: "ES256" }],
  ["asymmetric RS256 keys", { kind: "asymmetric", algorithm: "RS256" }],
])("%s", (_name, signing) => {
  let auth: RunningAuthServer;
  let fn: DenoServer;
  beforeAll(async () => {
    auth = await startAuthServer({ signing, sql: db.sql });
    fn = await startDenoServer("supabase/functions/laughs/index.ts", {
      config: FUNCTIONS_CONFIG,
      env: {
        SUPABASE_DB_URL: db.url,
        SUPABASE_URL: auth.url,
        SUPABASE_ANON_KEY: TEST_ANON_KEY,
        ...storageEnv(s3),
      },
    });
  });
  afterAll(async () => {
    await fn?.stop();
    await auth?.close();
  });

  async function signIn() {
    const email = `${crypto.randomUUID()}@example.test`;
    const user = await auth.service.createUser({ email, password: PASSWORD });
    return { user, session: await auth.service.signIn(email, PASSWORD) };
  }

  async function status(token: string): Promise<number> {
    const response = await fetch(`${fn.url}/laughs?date=2026-11-21`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.body?.cancel();
    return response.status;
  }

  it("refuses a token whose signing key or secret was rotated out (revoked)", async () => {
    const { session } = await signIn();
    await auth.service.rotateSigningKey();
    expect(await status(session.access_token)).toBe(401);
    // The server was asked: the JWKS no longer lists the key (asymmetric, refreshed because the cached
    // set does not list the kid), or the secret no longer verifies (HS256, `/user`).
    expect(auth.service.requests).toContain(
      signing.kind === "hs256" ? "GET /auth/v1/user" : "GET /auth/v1/.well-known/jwks.json",
    );
  });

  it("accepts a signed-in user's token through supabase-js getClaims", async () => {
    auth.service.requests.length = 0;
    const { session } = await signIn();
    expect(await status(session.access_token)).toBe(200);
    if (signing.kind === "hs256") {
      expect(auth.service.requests).toEqual(["GET /auth/v1/user"]);
    } else {
      // Verified in the isolate with the JWKS it fetched (and cached) earlier: Auth is not asked.
      expect(auth.service.requests).toEqual([]);
    }
  });

  it("refuses every token with a bad claim, accepts the same token with good ones", async () => {
    const { user } = await signIn();
    const now = Math.floor(Date.now() / 1000);
    const good: JWTPayload = {
      iss: auth.service.issuer,
      sub: user.id,
      aud: "authenticated",
      role: "authenticated",
      iat: now,
      exp: now + 600,
      email: user.email,
    };
    const without = (claim: string): JWTPayload =>
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== claim));
    expect(await status(await auth.service.signAccessToken(good))).toBe(200);
    const bad: [string, JWTPayload][] = [
      ["aud=evil", { ...good, aud: "evil" }],
      ["no aud", without("aud")],
      ["no exp", without("exp")],
      ["expired", { ...good, exp: now - 60 }],
      ["wrong iss", { ...good, iss: "https://other-project.supabase.co/auth/v1" }],
      ["no iss", without("iss")],
      ["iat a year ahead", { ...good, iat: now + 365 * 24 * 3600 }],
      ["no sub", without("sub")],
      ["no role", without("role")],
      ["role anon", { ...good, role: "anon" }],
      ["role service_role", { ...good, role: "service_role" }],
    ];
    for (const [name, payload] of bad) {
      expect(await status(await auth.service.signAccessToken(payload)), name).toBe(401);
    }
  });

  if (signing.kind === "asymmetric") {
    const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

    it("answers 401, never 500 nor an error log, to the real kid with another alg or a broken token", async () => {
      const { session } = await signIn();
      const [header, payload] = session.access_token.split(".");
      const { kid } = decodeProtectedHeader(session.access_token);
      const signature = randomBytes(256).toString("base64url");
      const forged = ["none", "PS256", "RS256", "ES256", "RS384", "HS256", "EdDSA"]
        .filter((alg) => alg !== signing.algorithm)
        .map((alg) => `${base64url({ alg, kid, typ: "JWT" })}.${payload}.${signature}`);
      const broken = [
        `${base64url({ alg: "none", kid, typ: "JWT" })}.${payload}.`,
        `${header}.${Buffer.from("not json").toString("base64url")}.${signature}`,
        `${Buffer.from("not json").toString("base64url")}.${payload}.${signature}`,
        `${base64url(["ES256"])}.${payload}.${signature}`,
        `${header}.${payload}`,
      ];
      for (const token of [...forged, ...broken]) expect(await status(token), token.slice(0, 120)).toBe(401);
      expect(fn.output()).not.toContain("unhandled_error");
      expect(await status(session.access_token)).toBe(200);
    });

    it("refreshes the JWKS at most once for many forged kids, and never asks /user", async () => {
      const { user, session } = await signIn();
      expect(await status(session.access_token)).toBe(200);
      auth.service.requests.length = 0;
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: auth.service.issuer, sub: user.id, aud: "authenticated", role: "authenticated" };
      const tokens = await Promise.all(
        Array.from({ length: 20 }, () =>
          auth.service.signAccessToken({ ...claims, iat: now, exp: now + 600 }, { kid: randomUUID() }),
        ),
      );
      const statuses = await Promise.all(tokens.map(status));
      for (const token of tokens) statuses.push(await status(token));
      expect(statuses.every((code) => code === 401)).toBe(true);
      const jwksFetches = auth.service.requests.filter((request) => request.includes("jwks"));
      expect(jwksFetches.length).toBeLessThanOrEqual(1);
      expect(auth.service.requests).not.toContain("GET /auth/v1/user");
      expect(await status(session.access_token)).toBe(200);
    });
  }

  if (signing.kind === "hs256") {
    it("refuses a token of a session that was signed out", async () => {
      const { session } = await signIn();
      expect(await status(session.access_token)).toBe(200);
      const out = await fetch(`${auth.url}/auth/v1/logout`, {
        method: "POST",
        headers: { authorization: `Bearer ${session.access_token}` },
      });
      expect(out.status).toBe(204);
      expect(await status(session.access_token)).toBe(401);
    });
  }
});
