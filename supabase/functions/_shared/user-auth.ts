/**
 * @module
 * Verifies the caller's Supabase access token (`Authorization: Bearer <jwt>`) and exposes its claims.
 *
 * The signature is checked by supabase-js `auth.getClaims(jwt)`, which works with both kinds of project
 * keys: an asymmetric token (ES256/RS256 with a `kid`) is verified against the project's JWKS
 * (`${SUPABASE_URL}/auth/v1/.well-known/jwks.json`, cached per isolate for 10 minutes by auth-js); a token
 * signed with the legacy HS256 secret (or one whose `kid` the JWKS no longer lists) is sent to Supabase
 * Auth's `GET /auth/v1/user`, so a rotated secret or an ended session stops working at once.
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

export function createUserVerifier(options: UserVerifierOptions): UserVerifier {
  const { clockToleranceSeconds = 30 } = options;
  const issuer = options.issuer ?? new URL("auth/v1", options.supabaseUrl.replace(/\/*$/, "/")).href;
  // One client per isolate: auth-js keeps the JWKS cache on it. No session is stored or refreshed.
  const supabase = createClient(options.supabaseUrl, options.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(options.fetch === undefined ? {} : { global: { fetch: options.fetch } }),
  });

  return async function verifyUser(authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (match === null) {
      throw unauthorized("MISSING_TOKEN", "send the user's access token as Authorization: Bearer <jwt>");
    }
    const { data, error } = await supabase.auth.getClaims(match[1]);
    if (error !== null || data === null) {
      if (error?.name === "AuthRetryableFetchError") {
        throw new HttpError(503, {
          code: "AUTH_UNAVAILABLE",
          message: "could not reach Supabase Auth to check the access token; try again",
          cause: error,
        });
      }
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
