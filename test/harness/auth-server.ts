/**
 * @module
 * A local stand-in for Supabase Auth (GoTrue), for tests and the local stack. It follows the documented
 * contract of the endpoints supabase-js uses, with the same paths, bodies, status codes and error codes:
 *
 * - `GET  /auth/v1/.well-known/jwks.json` — the public signing keys (`{ keys: [] }` on the legacy secret);
 * - `GET  /auth/v1/user` — Bearer access token → the user; 401 `no_authorization` without a token,
 *   403 `bad_jwt` (bad signature, unknown key, revoked secret, expired), 403 `session_not_found`
 *   (signed out), 403 `user_not_found`;
 * - `POST /auth/v1/token?grant_type=password` (`{ email, password }`) and `grant_type=refresh_token`
 *   (`{ refresh_token }`) → a session `{ access_token, token_type, expires_in, expires_at, refresh_token, user }`;
 *   400 `invalid_credentials`, `refresh_token_not_found`, `refresh_token_already_used`;
 * - `POST /auth/v1/logout?scope=global|local|others` — ends sessions, 204;
 * - `POST /auth/v1/signup` (`{ email, password, data }`) — a new user, confirmed at once (as a project with
 *   "Confirm email" off; `data` becomes `user_metadata`) → a session; 422 `user_already_exists`,
 *   422 `weak_password` (under 6 characters), 400 `validation_failed` (no email or password);
 * - `POST /auth/v1/recover?redirect_to=…` (`{ email }`) — 200 `{}` whether or not the address is known; a
 *   known one gets a recovery "mail" in {@link AuthService.mailbox} whose link is
 *   `GET /auth/v1/verify?token=…&type=recovery&redirect_to=…` → 303 to `redirect_to#access_token=…&type=recovery`
 *   (the implicit flow supabase-js follows: it signs the user in and emits `PASSWORD_RECOVERY`);
 * - `PUT  /auth/v1/user` (`{ password }` and/or `{ data }`) — Bearer → the updated user.
 *
 * Errors use GoTrue's two shapes: `{ code: <status>, error_code, msg }`, or `{ code: <error_code>, message }`
 * when the request sends `X-Supabase-Api-Version: 2024-01-01` (as supabase-js does).
 *
 * Access tokens carry the claims Supabase issues: `iss` (`<public url>/auth/v1`), `aud` `authenticated`,
 * `role`, `sub`, `exp`, `iat`, `session_id`, `email`, `phone`, `app_metadata`, `user_metadata`, `aal`, `amr`,
 * `is_anonymous`. Signing is either asymmetric (ES256 or RS256 with a `kid`, published in the JWKS) or the
 * legacy HS256 secret (no `kid`; never published), chosen per instance; {@link AuthService.rotateSigningKey}
 * revokes the current key or secret the way a project's key rotation does.
 *
 * Users live in memory (with their passwords); when a postgres.js client is given, `createUser` also
 * inserts them into `auth.users` (so the profile trigger runs) and `/user` finds users that were inserted
 * there directly (GoTrue's own store is `auth.users`). Passwords are salted SHA-256: this is a test stand-in.
 *
 * The Hono app's routes are under `basePath` (default `/auth/v1`): a gateway forwards `/auth/v1/*`
 * requests to `service.app.fetch` unchanged, or {@link startAuthServer} serves it on its own port.
 *
 * @example
 * ```ts
 * const auth = await startAuthServer({ signing: { kind: "asymmetric", algorithm: "ES256" }, sql: db.sql });
 * const user = await auth.service.createUser({ email: "a@example.test", password: "pw-123456", userMetadata: { time_zone: "Asia/Tokyo" } });
 * const supabase = createClient(auth.url, "anon-key");
 * const { data } = await supabase.auth.signInWithPassword({ email: "a@example.test", password: "pw-123456" });
 * ```
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type Context, Hono } from "hono";
import {
  type CryptoKey,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import type postgres from "postgres";
import { z } from "zod";

export type AuthSigning =
  | { kind: "asymmetric"; algorithm?: "ES256" | "RS256" }
  | { kind: "hs256"; secret: string };

export interface AuthServiceOptions {
  signing: AuthSigning;
  /** The `iss` claim: `<public project url>/auth/v1`. */
  issuer: string;
  /** When set, `createUser` inserts into `auth.users` and `/user` reads users from there too. */
  sql?: postgres.Sql | undefined;
  /** Access token lifetime (Supabase's default is 3600). */
  accessTokenTtlSeconds?: number;
  /** Where the routes live (default `/auth/v1`). */
  basePath?: string;
}

export interface AuthUser {
  id: string;
  email: string;
  userMetadata: Record<string, unknown>;
  createdAt: string;
}

export interface AuthSession {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
}

export interface AuthService {
  /** The Hono app; its routes are under `basePath`. */
  app: Hono;
  issuer: string;
  createUser(input: {
    email?: string;
    password?: string;
    id?: string;
    userMetadata?: Record<string, unknown>;
  }): Promise<AuthUser>;
  /** Signs `email`/`password` in as `POST /token?grant_type=password` would. */
  signIn(email: string, password: string): Promise<AuthSession>;
  /**
   * Signs any payload with the current key (for tests of claim checks); nothing is added to it.
   * `kid: null` leaves the kid out of the header.
   */
  signAccessToken(payload: JWTPayload, options?: { kid?: string | null }): Promise<string>;
  /** A new key (or secret) signs from now on; the previous one stops verifying unless `keepPrevious`. */
  rotateSigningKey(options?: { keepPrevious?: boolean }): Promise<void>;
  /** Ends every session of the user (as an admin sign-out would). */
  revokeSessions(userId: string): void;
  /** The last 1,000 requests served, as `METHOD /path` (tests check which endpoints a client used). */
  requests: string[];
  /** Mails Auth would have sent (recovery links), newest last. */
  mailbox: AuthMail[];
}

export interface AuthMail {
  to: string;
  kind: "recovery";
  /** The link in the mail: open it to sign in and set a new password. */
  link: string;
}

interface SigningKey {
  kid: string;
  alg: "ES256" | "RS256" | "HS256";
  privateKey: CryptoKey | Uint8Array;
  verifyKey: CryptoKey | Uint8Array;
  publicJwk?: JWK;
}

interface StoredUser extends AuthUser {
  passwordHash?: { salt: Uint8Array; hash: Uint8Array };
}

interface StoredSession {
  id: string;
  userId: string;
  /** The current refresh token; earlier ones are kept to answer `refresh_token_already_used`. */
  refreshToken: string;
  usedRefreshTokens: Set<string>;
  revoked: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class AuthApiError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 422;
  readonly errorCode: string;
  constructor(status: 400 | 401 | 403 | 404 | 422, errorCode: string, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

function hashPassword(
  password: string,
  salt: Uint8Array = randomBytes(16),
): { salt: Uint8Array; hash: Uint8Array } {
  return { salt, hash: new Uint8Array(createHash("sha256").update(salt).update(password).digest()) };
}

async function newSigningKey(signing: AuthSigning, generation: number): Promise<SigningKey> {
  if (signing.kind === "hs256") {
    // A rotated legacy secret: the configured one first, then derived ones.
    const secret = generation === 0 ? signing.secret : `${signing.secret}:rotated:${generation}`;
    const key = new TextEncoder().encode(secret);
    return { kid: "", alg: "HS256", privateKey: key, verifyKey: key };
  }
  const alg = signing.algorithm ?? "ES256";
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig", key_ops: ["verify"] };
  return { kid, alg, privateKey, verifyKey: publicKey, publicJwk };
}

const passwordGrant = z.object({ email: z.string().min(1), password: z.string().min(1) });
const refreshGrant = z.object({ refresh_token: z.string().min(1) });
const logoutScope = z.enum(["global", "local", "others"]).default("global");
const signUpBody = z.object({
  email: z.string().min(1),
  password: z.string().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
});
const recoverBody = z.object({ email: z.string().min(1) });
const updateUserBody = z.object({
  password: z.string().min(1).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
/** GoTrue's default minimum password length. */
const MIN_PASSWORD_CHARS = 6;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  const { signing, issuer, sql, accessTokenTtlSeconds = 3600, basePath = "/auth/v1" } = options;
  let generation = 0;
  let current = await newSigningKey(signing, generation);
  let accepted: SigningKey[] = [current];
  const users = new Map<string, StoredUser>();
  const sessions = new Map<string, StoredSession>();
  const sessionByRefreshToken = new Map<string, StoredSession>();

  async function findUser(id: string): Promise<StoredUser | undefined> {
    const known = users.get(id);
    if (known !== undefined || sql === undefined) return known;
    const [row] = await sql<{ email: string | null; meta: Record<string, unknown>; created_at: Date }[]>`
      select email, coalesce(raw_user_meta_data, '{}') as meta, created_at from auth.users where id = ${id}`;
    if (row === undefined) return undefined;
    return { id, email: row.email ?? "", userMetadata: row.meta, createdAt: row.created_at.toISOString() };
  }

  function userJson(user: StoredUser): Record<string, unknown> {
    return {
      id: user.id,
      aud: "authenticated",
      role: "authenticated",
      email: user.email,
      email_confirmed_at: user.createdAt,
      confirmed_at: user.createdAt,
      phone: "",
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: user.userMetadata,
      identities: [],
      created_at: user.createdAt,
      updated_at: user.createdAt,
      is_anonymous: false,
    };
  }

  async function sign(payload: JWTPayload, kid: string | null = current.kid || null): Promise<string> {
    const header = kid === null ? { alg: current.alg, typ: "JWT" } : { alg: current.alg, typ: "JWT", kid };
    return await new SignJWT(payload).setProtectedHeader(header).sign(current.privateKey);
  }

  async function issueSession(user: StoredUser, session: StoredSession): Promise<AuthSession> {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + accessTokenTtlSeconds;
    const accessToken = await sign({
      iss: issuer,
      sub: user.id,
      aud: "authenticated",
      exp,
      iat,
      email: user.email,
      phone: "",
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: user.userMetadata,
      role: "authenticated",
      aal: "aal1",
      amr: [{ method: "password", timestamp: iat }],
      session_id: session.id,
      is_anonymous: false,
    });
    return {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: accessTokenTtlSeconds,
      expires_at: exp,
      refresh_token: session.refreshToken,
      user: userJson(user),
    };
  }

  function newRefreshToken(session: StoredSession): void {
    session.refreshToken = randomBytes(9).toString("base64url");
    sessionByRefreshToken.set(session.refreshToken, session);
  }

  async function signIn(email: string, password: string): Promise<AuthSession> {
    const user = [...users.values()].find((candidate) => candidate.email === email.toLowerCase());
    const stored = user?.passwordHash;
    if (
      user === undefined ||
      stored === undefined ||
      !timingSafeEqual(hashPassword(password, stored.salt).hash, stored.hash)
    ) {
      throw new AuthApiError(400, "invalid_credentials", "Invalid login credentials");
    }
    return await openSession(user);
  }

  /** A new session for the user (sign-in, or a followed recovery link) and its first tokens. */
  async function openSession(user: StoredUser): Promise<AuthSession> {
    const session: StoredSession = {
      id: randomUUID(),
      userId: user.id,
      refreshToken: "",
      usedRefreshTokens: new Set(),
      revoked: false,
    };
    newRefreshToken(session);
    sessions.set(session.id, session);
    return await issueSession(user, session);
  }

  async function refresh(refreshToken: string): Promise<AuthSession> {
    const session = sessionByRefreshToken.get(refreshToken);
    if (session === undefined || session.revoked) {
      throw new AuthApiError(
        400,
        "refresh_token_not_found",
        "Invalid Refresh Token: Refresh Token Not Found",
      );
    }
    if (session.refreshToken !== refreshToken) {
      throw new AuthApiError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
    }
    const user = await findUser(session.userId);
    if (user === undefined) throw new AuthApiError(403, "user_not_found", "User not found");
    newRefreshToken(session);
    return await issueSession(user, session);
  }

  /** Tries every accepted key with the token's kid (legacy secrets have none, so all of them). */
  async function verifyWithAcceptedKeys(token: string): Promise<JWTPayload> {
    const kid = decodeProtectedHeader(token).kid ?? "";
    const candidates = accepted.filter((key) => key.kid === kid);
    if (candidates.length === 0) throw new Error("no signing key matches the token's kid");
    let lastError: unknown;
    for (const key of candidates) {
      try {
        return (await jwtVerify(token, key.verifyKey, { algorithms: [key.alg] })).payload;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** GoTrue's requireAuthentication: a valid token of a live session and an existing user. */
  async function authenticate(
    authorization: string | undefined,
  ): Promise<{ user: StoredUser; claims: JWTPayload }> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (match === null) {
      throw new AuthApiError(401, "no_authorization", "This endpoint requires a valid Bearer token");
    }
    let claims: JWTPayload;
    try {
      claims = await verifyWithAcceptedKeys(match[1]);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new AuthApiError(403, "bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`);
    }
    if (typeof claims.sub !== "string" || !UUID.test(claims.sub)) {
      throw new AuthApiError(403, "bad_jwt", "invalid claim: missing sub claim");
    }
    const sessionId = claims.session_id;
    if (sessionId !== undefined) {
      const session = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
      if (session === undefined || session.revoked || session.userId !== claims.sub) {
        throw new AuthApiError(
          403,
          "session_not_found",
          "Session from session_id claim in JWT does not exist",
        );
      }
    }
    const user = await findUser(claims.sub);
    if (user === undefined) {
      throw new AuthApiError(403, "user_not_found", "User from sub claim in JWT does not exist");
    }
    return { user, claims };
  }

  function errorResponse(c: Context, error: AuthApiError): Response {
    const versioned = (c.req.header("x-supabase-api-version") ?? "") >= "2024-01-01";
    if (versioned) {
      c.header("x-supabase-api-version", "2024-01-01");
      return c.json({ code: error.errorCode, message: error.message }, error.status);
    }
    return c.json({ code: error.status, error_code: error.errorCode, msg: error.message }, error.status);
  }

  async function jsonBody(c: Context): Promise<unknown> {
    try {
      return await c.req.json();
    } catch {
      throw new AuthApiError(400, "bad_json", "Could not parse request body as JSON");
    }
  }

  const requests: string[] = [];
  const mailbox: AuthMail[] = [];
  const recoveryTokens = new Map<string, string>();
  const app = new Hono().basePath(basePath);
  app.use("*", async function logRequest(c, next) {
    requests.push(`${c.req.method} ${c.req.path}`);
    // A long-running local stack must not grow this without bound.
    if (requests.length > 1000) requests.splice(0, requests.length - 1000);
    await next();
  });
  app.onError((error, c) => {
    if (error instanceof AuthApiError) return errorResponse(c, error);
    throw error;
  });
  app.get("/.well-known/jwks.json", (c) =>
    c.json({ keys: accepted.flatMap((key) => (key.publicJwk === undefined ? [] : [key.publicJwk])) }),
  );
  app.get("/user", async (c) => c.json(userJson((await authenticate(c.req.header("authorization"))).user)));
  app.post("/token", async (c) => {
    const grantType = c.req.query("grant_type");
    const body = await jsonBody(c);
    if (grantType === "password") {
      const parsed = passwordGrant.safeParse(body);
      if (!parsed.success)
        throw new AuthApiError(400, "validation_failed", "email and password are required");
      return c.json(await signIn(parsed.data.email, parsed.data.password));
    }
    if (grantType === "refresh_token") {
      const parsed = refreshGrant.safeParse(body);
      if (!parsed.success) throw new AuthApiError(400, "validation_failed", "refresh_token required");
      return c.json(await refresh(parsed.data.refresh_token));
    }
    throw new AuthApiError(400, "validation_failed", "unsupported_grant_type");
  });
  app.post("/signup", async (c) => {
    const parsed = signUpBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw new AuthApiError(400, "validation_failed", "Signup requires a valid password");
    const { email, password, data = {} } = parsed.data;
    if (!EMAIL.test(email)) {
      throw new AuthApiError(400, "validation_failed", "Unable to validate email address: invalid format");
    }
    if (password.length < MIN_PASSWORD_CHARS) {
      throw new AuthApiError(
        422,
        "weak_password",
        `Password should be at least ${MIN_PASSWORD_CHARS} characters.`,
      );
    }
    if ([...users.values()].some((user) => user.email === email.toLowerCase())) {
      throw new AuthApiError(422, "user_already_exists", "User already registered");
    }
    await service.createUser({ email, password, userMetadata: data });
    return c.json(await signIn(email, password));
  });
  app.post("/recover", async (c) => {
    const parsed = recoverBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw new AuthApiError(400, "validation_failed", "email is required");
    const user = [...users.values()].find((candidate) => candidate.email === parsed.data.email.toLowerCase());
    if (user !== undefined) {
      const token = randomBytes(16).toString("hex");
      recoveryTokens.set(token, user.id);
      const link = new URL(`${issuer}/verify`);
      link.searchParams.set("token", token);
      link.searchParams.set("type", "recovery");
      link.searchParams.set("redirect_to", c.req.query("redirect_to") ?? "");
      mailbox.push({ to: user.email, kind: "recovery", link: link.href });
    }
    // Known or not, the same answer: the address book is not for guessing.
    return c.json({});
  });
  app.get("/verify", async (c) => {
    const userId = recoveryTokens.get(c.req.query("token") ?? "");
    const user = userId === undefined ? undefined : await findUser(userId);
    const redirectTo = c.req.query("redirect_to") ?? "";
    if (c.req.query("type") !== "recovery" || user === undefined || redirectTo === "") {
      throw new AuthApiError(403, "otp_expired", "Email link is invalid or has expired");
    }
    recoveryTokens.delete(c.req.query("token") ?? "");
    const issued = await openSession(user);
    const fragment = new URLSearchParams({
      access_token: issued.access_token,
      expires_at: String(issued.expires_at),
      expires_in: String(issued.expires_in),
      refresh_token: issued.refresh_token,
      token_type: "bearer",
      type: "recovery",
    });
    return c.redirect(`${redirectTo.split("#")[0]}#${fragment}`, 303);
  });
  app.put("/user", async (c) => {
    const { user } = await authenticate(c.req.header("authorization"));
    const parsed = updateUserBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw new AuthApiError(400, "validation_failed", "password or data expected");
    const stored = users.get(user.id) ?? user;
    if (parsed.data.password !== undefined) {
      if (parsed.data.password.length < MIN_PASSWORD_CHARS) {
        throw new AuthApiError(
          422,
          "weak_password",
          `Password should be at least ${MIN_PASSWORD_CHARS} characters.`,
        );
      }
      stored.passwordHash = hashPassword(parsed.data.password);
    }
    if (parsed.data.data !== undefined) stored.userMetadata = { ...stored.userMetadata, ...parsed.data.data };
    users.set(stored.id, stored);
    return c.json(userJson(stored));
  });
  app.post("/logout", async (c) => {
    const { claims } = await authenticate(c.req.header("authorization"));
    const scope = logoutScope.safeParse(c.req.query("scope"));
    if (!scope.success) throw new AuthApiError(400, "validation_failed", "Unsupported logout scope");
    for (const session of sessions.values()) {
      if (session.userId !== claims.sub) continue;
      const isCurrent = session.id === claims.session_id;
      if (scope.data === "global" || (scope.data === "local") === isCurrent) session.revoked = true;
    }
    return c.body(null, 204);
  });

  const service: AuthService = {
    app,
    issuer,
    requests,
    mailbox,
    async createUser({ email, password, id = randomUUID(), userMetadata = {} }) {
      const user: StoredUser = {
        id,
        email: (email ?? `${id}@example.test`).toLowerCase(),
        userMetadata,
        createdAt: new Date().toISOString(),
        ...(password === undefined ? {} : { passwordHash: hashPassword(password) }),
      };
      if (sql !== undefined) {
        await sql`
          insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
          values (${id}, 'authenticated', 'authenticated', ${user.email},
                  ${sql.json({ provider: "email", providers: ["email"] })}, ${sql.json(userMetadata as postgres.JSONValue)})
          on conflict (id) do nothing`; // a kept local stack registers its users' passwords again on restart
      }
      users.set(id, user);
      return { id: user.id, email: user.email, userMetadata, createdAt: user.createdAt };
    },
    signIn,
    signAccessToken: (payload, { kid } = {}) => sign(payload, kid === undefined ? current.kid || null : kid),
    async rotateSigningKey({ keepPrevious = false } = {}) {
      generation += 1;
      current = await newSigningKey(signing, generation);
      accepted = keepPrevious ? [current, ...accepted] : [current];
    },
    revokeSessions(userId) {
      for (const session of sessions.values()) if (session.userId === userId) session.revoked = true;
    },
  };
  return service;
}

export interface RunningAuthServer {
  /** The project URL to give supabase-js (`createClient(url, key)`); the routes are at `${url}/auth/v1`. */
  url: string;
  service: AuthService;
  close(): Promise<void>;
}

/**
 * Serves a stand-in on 127.0.0.1 and its own free port. The issuer is `${url}/auth/v1` unless `issuer` is
 * given (as on the CLI's local stack, where functions reach Auth at another address than the one it signs).
 */
export async function startAuthServer(
  options: Omit<AuthServiceOptions, "issuer" | "basePath"> & { issuer?: string },
): Promise<RunningAuthServer> {
  let handler: ((request: Request) => Response | Promise<Response>) | undefined;
  const server = createAdaptorServer({
    fetch: (request: Request) => handler?.(request) ?? new Response("starting", { status: 503 }),
    hostname: "127.0.0.1",
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("auth server: no TCP address");
  const url = `http://127.0.0.1:${(address satisfies AddressInfo).port}`;
  const service = await createAuthService({ ...options, issuer: options.issuer ?? `${url}/auth/v1` });
  handler = (request) => service.app.fetch(request);
  return {
    url,
    service,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
