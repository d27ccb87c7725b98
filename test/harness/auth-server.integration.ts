/**
 * The Supabase Auth stand-in driven by the real client, `@supabase/supabase-js`: sign-in, claims through the
 * JWKS (asymmetric) and through `/user` (legacy HS256), refresh, sign-out, key rotation; users land in
 * `auth.users` so the profile trigger runs.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { decodeProtectedHeader } from "jose";
import { WebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthSigning,
  createAuthService,
  type RunningAuthServer,
  startAuthServer,
} from "./auth-server.ts";
import { startTestDatabase, type TestDatabase } from "./database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(() => db?.stop());

// supabase-js builds its realtime client eagerly and needs a WebSocket; Node 20 has no global one (22 has).
if (!("WebSocket" in globalThis)) Object.assign(globalThis, { WebSocket });

function client(url: string, storageKey = "sb-standin-test"): SupabaseClient {
  return createClient(url, "anon-key-for-tests", {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, storageKey },
  });
}

const PASSWORD = "correct horse battery";

describe.each<[string, AuthSigning]>([
  ["ES256", { kind: "asymmetric", algorithm: "ES256" }],
  ["RS256", { kind: "asymmetric", algorithm: "RS256" }],
  ["legacy HS256", { kind: "hs256", secret: "auth-standin-test-secret-0123456789abcdef" }],
])("%s", (_name, signing) => {
  let auth: RunningAuthServer;
  beforeAll(async () => {
    auth = await startAuthServer({ signing, sql: db.sql });
  });
  afterAll(() => auth?.close());

  async function signedIn() {
    const email = `${crypto.randomUUID()}@example.test`;
    const user = await auth.service.createUser({
      email,
      password: PASSWORD,
      userMetadata: { time_zone: "Asia/Tokyo" },
    });
    const supabase = client(auth.url);
    const { data, error } = await supabase.auth.signInWithPassword({ email, password: PASSWORD });
    expect(error).toBeNull();
    if (data.session === null) throw new Error("no session");
    return { user, supabase, session: data.session };
  }

  it("creates the user in auth.users (the profile trigger runs) and signs in with Supabase's claims", async () => {
    const { user, supabase, session } = await signedIn();
    const [profile] = await db.sql`select time_zone from public.profiles where user_id = ${user.id}`;
    expect(profile.time_zone).toBe("Asia/Tokyo");
    expect(session.token_type).toBe("bearer");
    expect(session.expires_in).toBe(3600);
    expect(session.refresh_token).toMatch(/^\S{8,}$/);
    const { data, error } = await supabase.auth.getClaims(session.access_token);
    expect(error).toBeNull();
    expect(data?.claims).toMatchObject({
      iss: `${auth.url}/auth/v1`,
      aud: "authenticated",
      role: "authenticated",
      sub: user.id,
      email: user.email,
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(data?.claims.exp).toBe(session.expires_at);
    const header = decodeProtectedHeader(session.access_token);
    if (signing.kind === "hs256") {
      expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    } else {
      expect(header.alg).toBe(signing.algorithm);
      const jwks = await (await fetch(`${auth.url}/auth/v1/.well-known/jwks.json`)).json();
      expect(jwks.keys).toEqual([
        expect.objectContaining({ kid: header.kid, alg: signing.algorithm, use: "sig" }),
      ]);
      expect(JSON.stringify(jwks)).not.toMatch(/"d":/); // no private part
    }
  });

  it("answers /user, refreshes (rotating the refresh token) and signs out", async () => {
    const { user, supabase, session } = await signedIn();
    const me = await supabase.auth.getUser(session.access_token);
    expect(me.data.user?.id).toBe(user.id);

    const refreshed = await supabase.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(refreshed.error).toBeNull();
    expect(refreshed.data.session?.refresh_token).not.toBe(session.refresh_token);
    const reused = await client(auth.url).auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reused.error?.code).toBe("refresh_token_already_used");

    const out = await fetch(`${auth.url}/auth/v1/logout?scope=global`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    expect(out.status).toBe(204);
    const after = await supabase.auth.getUser(session.access_token);
    expect(after.data.user).toBeNull();
    expect(after.error?.name).toBe("AuthSessionMissingError");
  });

  it("refuses a wrong password, a missing token and a token after its key is rotated out", async () => {
    const { session } = await signedIn();
    const wrong = await client(auth.url).auth.signInWithPassword({
      email: "nobody@example.test",
      password: "x",
    });
    expect(wrong.error?.code).toBe("invalid_credentials");
    expect(wrong.error?.status).toBe(400);
    const anonymous = await fetch(`${auth.url}/auth/v1/user`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 401, error_code: "no_authorization" });

    await auth.service.rotateSigningKey({ keepPrevious: true });
    expect((await client(auth.url).auth.getClaims(session.access_token)).error).toBeNull();
    await auth.service.rotateSigningKey(); // the key that signed `session` is now revoked
    // supabase-js caches the JWKS per storage key for 10 minutes (auth-js JWKS_TTL): a warm client keeps
    // trusting a revoked asymmetric key until then. A fresh cache sees the revocation at once.
    const revoked = await client(auth.url, `sb-${crypto.randomUUID()}`).auth.getClaims(session.access_token);
    expect(revoked.data).toBeNull();
    expect(revoked.error?.code).toBe("bad_jwt");
    const raw = await fetch(`${auth.url}/auth/v1/user`, {
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    expect(raw.status).toBe(403);
  });
});

it("serves under its base path when mounted behind a gateway", async () => {
  const service = await createAuthService({
    signing: { kind: "asymmetric" },
    issuer: "http://gateway.test/auth/v1",
  });
  const user = await service.createUser({ email: "g@example.test", password: PASSWORD });
  const response = await service.app.fetch(
    new Request("http://gateway.test/auth/v1/token?grant_type=password", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "g@example.test", password: PASSWORD }),
    }),
  );
  expect(response.status).toBe(200);
  const session = await response.json();
  expect(session.user.id).toBe(user.id);
  const me = await service.app.fetch(
    new Request("http://gateway.test/auth/v1/user", {
      headers: { authorization: `Bearer ${session.access_token}`, "x-supabase-api-version": "2024-01-01" },
    }),
  );
  expect(me.status).toBe(200);
  const bad = await service.app.fetch(
    new Request("http://gateway.test/auth/v1/user", {
      headers: { authorization: "Bearer not.a.jwt", "x-supabase-api-version": "2024-01-01" },
    }),
  );
  expect(bad.status).toBe(403);
  expect(await bad.json()).toMatchObject({ code: "bad_jwt" });
});

it("signs up (confirmed at once, profile created) and resets a password by the mailed link, as supabase-js does", async () => {
  const auth = await startAuthServer({ signing: { kind: "asymmetric", algorithm: "ES256" }, sql: db.sql });
  try {
    const email = `${crypto.randomUUID()}@example.test`;
    const supabase = client(auth.url, "sb-signup-test");
    const signedUp = await supabase.auth.signUp({
      email,
      password: PASSWORD,
      options: { data: { time_zone: "Europe/Lisbon" } },
    });
    expect(signedUp.error).toBeNull();
    expect(signedUp.data.session?.access_token).toEqual(expect.any(String));
    const userId = signedUp.data.user?.id;
    const [profile] = await db.sql`select time_zone from public.profiles where user_id = ${userId ?? ""}`;
    expect(profile.time_zone).toBe("Europe/Lisbon");

    const again = await client(auth.url, "sb-signup-again").auth.signUp({ email, password: PASSWORD });
    expect(again.error?.code).toBe("user_already_exists");
    const weak = await client(auth.url, "sb-signup-weak").auth.signUp({
      email: `w${email}`,
      password: "12345",
    });
    expect(weak.error?.code).toBe("weak_password");

    // Reset: the same answer for a stranger; a mailed link for the user.
    const stranger = await supabase.auth.resetPasswordForEmail("nobody@example.test", {
      redirectTo: "http://page.test/",
    });
    expect(stranger.error).toBeNull();
    expect(auth.service.mailbox).toEqual([]);
    await supabase.auth.resetPasswordForEmail(email, { redirectTo: "http://page.test/" });
    const [mail] = auth.service.mailbox;
    expect(mail).toMatchObject({ to: email, kind: "recovery" });
    const opened = await fetch(mail.link, { redirect: "manual" });
    expect(opened.status).toBe(303);
    const landing = new URL(opened.headers.get("location") ?? "");
    expect(landing.origin + landing.pathname).toBe("http://page.test/");
    const fragment = new URLSearchParams(landing.hash.slice(1));
    expect(fragment.get("type")).toBe("recovery");
    expect((await fetch(mail.link, { redirect: "manual" })).status).toBe(403); // used once

    const recovering = client(auth.url, "sb-recovering");
    const set = await recovering.auth.setSession({
      access_token: fragment.get("access_token") ?? "",
      refresh_token: fragment.get("refresh_token") ?? "",
    });
    expect(set.error).toBeNull();
    expect((await recovering.auth.updateUser({ password: "a new password" })).error).toBeNull();
    const old = await client(auth.url, "sb-old").auth.signInWithPassword({ email, password: PASSWORD });
    expect(old.error?.code).toBe("invalid_credentials");
    const fresh = await client(auth.url, "sb-new").auth.signInWithPassword({
      email,
      password: "a new password",
    });
    expect(fresh.error).toBeNull();
  } finally {
    await auth.close();
  }
});
