/**
 * @module
 * Verifies the caller's Supabase access token (`Authorization: Bearer <jwt>`) and exposes its claims.
 *
 * The token's header is read first (a token that is not three base64url parts of JSON is refused here), and
 * the signature is then checked by supabase-js `auth.getClaims(jwt)` on either kind of project key:
 *
 * - **asymmetric keys** (`alg` ES256 or RS256, with a `kid`): verified in the isolate against the project's
 *   JWKS (`${SUPABASE_URL}/auth/v1/.well-known/jwks.json`, `jwks-cache.ts`: trusted for 10 minutes, a
 *   `kid` it does not list triggers at most one re-fetch per 30 s). Supabase Auth is not asked per
 *   request, so what is revoked is revoked *late*: a token of a signed-out session or a deleted user
 *   keeps working until its `exp` (the project's access-token lifetime, one hour by default), and a
 *   signing key revoked from the JWKS keeps verifying until the isolate's copy is refreshed (at most 10
 *   minutes). A `kid` the JWKS does not list, an `alg` that is not the key's, or any other `alg` is 401
 *   without a request to Auth (issue 21).
 * - **the legacy HS256 secret**: every token is sent to Supabase Auth's `GET /auth/v1/user`, so a rotated
 *   secret, an ended session or a deleted user stops working at once.
 *
 * getClaims checks the signature and `exp` only. The claims are then held to what Supabase Auth issues
 * for a signed-in user (issue 11, item 6): `exp` present, `iat`/`nbf` not in the future, `sub` a UUID,
 * `role` `authenticated`, `aud` `authenticated`, `iss` the project's Auth URL. Failures are 401 with a
 * reason code; an unreachable Auth server is 503 (the token may be fine).
 *
 * @example
 * ```ts
 * const verifyUser = createUserVerifier({ supabaseUrl: config.SUPABASE_URL, anonKey: config.SUPABASE_ANON_KEY });
 * app.use("*", requireUser(verifyUser));
 * app.get("/", (c) => c.json({ me: c.get("user").sub }));
 * ```
 */
import { createClient, type JwtPayload } from "@supabase/supabase-js";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { HttpError } from "./http-error.ts";
import { createJwksCache, JwksUnavailableError, type PublicJwk } from "./jwks-cache.ts";

/** The verified claims; `claims` is the whole payload, as PostgREST puts it in `request.jwt.claims`. */
export interface AuthenticatedUser {
  sub: string;
  role: "authenticated";
  claims: JwtPayload;
}

export type UserVerifier = (authorization: string | undefined) => Promise<AuthenticatedUser>;

/** The variables every function that verifies users reads (spread into its env schema). */
export const userAuthEnvShape = {
  /** Project URL (platform-provided): Auth lives at `${SUPABASE_URL}/auth/v1`. */
  SUPABASE_URL: z.url({ protocol: /^https?$/, error: "must be the project's http(s) URL" }),
  /** The project's anon (publishable) key (platform-provided), sent to Auth as `apikey`. */
  SUPABASE_ANON_KEY: z.string({ error: "is required (the platform sets it)" }).min(1, "must not be empty"),
  /**
   * The `iss` of user tokens, when it differs from `${SUPABASE_URL}/auth/v1` (the CLI's local stack
   * gives functions `http://kong:8000` while Auth issues `http://127.0.0.1:54321/auth/v1`).
   */
  GIGGLES_AUTH_ISSUER: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
};

/** The verified variables of {@link userAuthEnvShape}. */
export type UserAuthConfig = z.infer<z.ZodObject<typeof userAuthEnvShape>>;

/** The verifier a function's index.ts creates from its parsed configuration (once per isolate). */
export function userVerifierFromConfig(config: UserAuthConfig): UserVerifier {
  return createUserVerifier({
    supabaseUrl: config.SUPABASE_URL,
    anonKey: config.SUPABASE_ANON_KEY,
    issuer: config.GIGGLES_AUTH_ISSUER,
  });
}

export interface UserVerifierOptions {
  supabaseUrl: string;
  anonKey: string;
  /** Expected `iss`; default `${supabaseUrl}/auth/v1`. */
  issuer?: string | undefined;
  /** Allowed clock skew for `iat`/`nbf`. */
  clockToleranceSeconds?: number;
  /** For tests. */
  fetch?: typeof fetch;
  /** See jwks-cache.ts (defaults 10 minutes and 30 s). */
  jwksTtlMs?: number;
  jwksMinRefreshIntervalMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unauthorized(code: string, message: string, cause?: unknown): HttpError {
  return new HttpError(401, {
    code,
    message,
    cause,
    headers: { "www-authenticate": `Bearer error="invalid_token"` },
  });
}

/** Why `claims` is not a signed-in user's token of this project, or undefined when it is. */
export function claimProblem(
  claims: JwtPayload,
  issuer: string,
  nowSeconds: number,
  toleranceSeconds: number,
) {
  if (typeof claims.exp !== "number") return "the access token has no expiry (exp)";
  if (typeof claims.iat === "number" && claims.iat > nowSeconds + toleranceSeconds) {
    return "the access token was issued in the future (iat)";
  }
  if (typeof claims.nbf === "number" && claims.nbf > nowSeconds + toleranceSeconds) {
    return "the access token is not valid yet (nbf)";
  }
  if (claims.iss !== issuer) return "the access token was issued by another project (iss)";
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes("authenticated")) return "the access token is not for signed-in users (aud)";
  if (typeof claims.sub !== "string" || !UUID.test(claims.sub))
    return "the access token has no user id (sub)";
  return undefined;
}

/** The asymmetric algorithms Supabase Auth signs with, and the public key each needs. */
const ASYMMETRIC_KEYS = {
  ES256: { kty: "EC", crv: "P-256" },
  RS256: { kty: "RSA", crv: undefined },
} as const;
type AsymmetricAlg = keyof typeof ASYMMETRIC_KEYS;

function isAsymmetricAlg(alg: string): alg is AsymmetricAlg {
  return Object.hasOwn(ASYMMETRIC_KEYS, alg);
}

const jwtHeaderSchema = z.object({ alg: z.string(), kid: z.string().optional() });
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function base64UrlJson(part: string): unknown {
  if (!BASE64URL.test(part)) return undefined;
  try {
    const binary = atob(
      part
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(part.length / 4) * 4, "="),
    );
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** The token's header, when it is three base64url parts whose first two are JSON objects. */
function tokenHeader(token: string): z.infer<typeof jwtHeaderSchema> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[2] === "" || !BASE64URL.test(parts[2])) return undefined;
  const payload = base64UrlJson(parts[1]);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  const header = jwtHeaderSchema.safeParse(base64UrlJson(parts[0]));
  return header.success ? header.data : undefined;
}

/** Whether WebCrypto can verify an `alg` signature with `key` (else importKey/verify would throw). */
function keyFitsAlg(key: PublicJwk, alg: AsymmetricAlg): boolean {
  const wanted = ASYMMETRIC_KEYS[alg];
  return (
    key.kty === wanted.kty &&
    (wanted.crv === undefined || key.crv === wanted.crv) &&
    (key.alg === undefined || key.alg === alg) &&
    (key.use === undefined || key.use === "sig") &&
    (key.key_ops === undefined || key.key_ops.includes("verify")) &&
    key.ext !== false // auth-js imports the key as extractable
  );
}

export function createUserVerifier(options: UserVerifierOptions): UserVerifier {
  const { clockToleranceSeconds = 30 } = options;
  const issuer = options.issuer ?? new URL("auth/v1", options.supabaseUrl.replace(/\/*$/, "/")).href;
  // One client per isolate. No session is stored or refreshed.
  const supabase = createClient(options.supabaseUrl, options.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(options.fetch === undefined ? {} : { global: { fetch: options.fetch } }),
  });
  // Our own JWKS cache, not auth-js's: auth-js re-fetches the JWKS for every unknown kid and then asks
  // `/user`, and throws (500) on an alg its key does not fit.
  const jwks = createJwksCache({
    supabaseUrl: options.supabaseUrl,
    anonKey: options.anonKey,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.jwksTtlMs === undefined ? {} : { ttlMs: options.jwksTtlMs }),
    ...(options.jwksMinRefreshIntervalMs === undefined
      ? {}
      : { minRefreshIntervalMs: options.jwksMinRefreshIntervalMs }),
  });
  const invalid = (message: string) => unauthorized("INVALID_TOKEN", message);
  const authUnavailable = (cause: unknown) =>
    new HttpError(503, {
      code: "AUTH_UNAVAILABLE",
      message: "could not reach Supabase Auth to check the access token; try again",
      cause,
    });

  /** The key to verify an asymmetric token with, or a 401/503 thrown. */
  async function publicKey(alg: AsymmetricAlg, kid: string | undefined): Promise<PublicJwk> {
    if (kid === undefined) throw invalid("the access token names no signing key (kid)");
    let key: PublicJwk | undefined;
    try {
      key = await jwks.signingKey(kid);
    } catch (error) {
      if (error instanceof JwksUnavailableError) throw authUnavailable(error);
      throw error;
    }
    if (key === undefined) throw invalid("the access token's signing key is not this project's (kid)");
    if (!keyFitsAlg(key, alg)) throw invalid("the access token's alg does not fit its signing key");
    return key;
  }

  return async function verifyUser(authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (match === null) {
      throw unauthorized("MISSING_TOKEN", "send the user's access token as Authorization: Bearer <jwt>");
    }
    const token = match[1];
    const header = tokenHeader(token);
    if (header === undefined) throw invalid("the access token is not a JWT");
    let key: PublicJwk | undefined;
    if (isAsymmetricAlg(header.alg)) key = await publicKey(header.alg, header.kid);
    else if (header.alg !== "HS256")
      throw invalid("the access token's alg is not one Supabase Auth signs with");
    // Asymmetric: verified here with the one key given (no request); HS256: getClaims asks /user.
    const { data, error } = await supabase.auth.getClaims(
      token,
      key === undefined ? {} : { jwks: { keys: [{ ...key, key_ops: key.key_ops ?? ["verify"] }] } },
    );
    if (error !== null || data === null) {
      if (error?.name === "AuthRetryableFetchError") throw authUnavailable(error);
      throw unauthorized("INVALID_TOKEN", "the access token is invalid or expired; sign in again", error);
    }
    const { claims } = data;
    if (claims.role !== "authenticated") {
      throw unauthorized("NOT_A_USER_TOKEN", "this endpoint needs a signed-in user's access token");
    }
    const problem = claimProblem(claims, issuer, Math.floor(Date.now() / 1000), clockToleranceSeconds);
    if (problem !== undefined) throw unauthorized("INVALID_TOKEN", problem);
    return { sub: claims.sub, role: "authenticated", claims };
  };
}

export interface UserVariables {
  user: AuthenticatedUser;
}

/** Middleware: 401 unless the request carries a valid user token; sets `c.get("user")`. */
export function requireUser(verifyUser: UserVerifier): MiddlewareHandler<{ Variables: UserVariables }> {
  return async function requireUser(c, next) {
    c.set("user", await verifyUser(c.req.header("authorization")));
    await next();
  };
}
