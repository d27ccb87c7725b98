/**
 * @module
 * Verifies the caller's Supabase access token (`Authorization: Bearer <jwt>`) and exposes its claims.
 *
 * On the platform, supabase-js `auth.getClaims()` does the same check against Supabase Auth's JWKS.
 * Locally and in tests there is no Auth server, so this uses `jose` directly:
 * - `GIGGLES_JWT_SECRET` set: HS256 with that secret (the project's legacy JWT secret, or a test secret);
 * - otherwise: the project's public keys at `${SUPABASE_URL}/auth/v1/.well-known/jwks.json`
 *   (asymmetric signing keys), fetched and cached by `createRemoteJWKSet`.
 *
 * A token is accepted only with `role = authenticated` and a UUID `sub` (anon and service_role keys are
 * refused: these endpoints act on behalf of one user). Failures are 401 with a reason code.
 *
 * @example
 * ```ts
 * const verifyUser = createUserVerifier({ jwtSecret: config.GIGGLES_JWT_SECRET, supabaseUrl: config.SUPABASE_URL });
 * app.use("*", requireUser(verifyUser));
 * app.get("/", (c) => c.json({ me: c.get("user").sub }));
 * ```
 */
import type { MiddlewareHandler } from "hono";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { HttpError } from "./http-error.ts";

/** The verified claims; `claims` is the whole payload, as PostgREST puts it in `request.jwt.claims`. */
export interface AuthenticatedUser {
  sub: string;
  role: "authenticated";
  claims: JWTPayload;
}

export type UserVerifier = (authorization: string | undefined) => Promise<AuthenticatedUser>;

export interface UserVerifierOptions {
  /** HS256 secret; when set, the JWKS is not used. */
  jwtSecret?: string | undefined;
  /** Project URL, for the JWKS. Required when jwtSecret is unset. */
  supabaseUrl?: string | undefined;
  /** Allowed clock skew. */
  clockToleranceSeconds?: number;
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

export function createUserVerifier(options: UserVerifierOptions): UserVerifier {
  const { clockToleranceSeconds = 30 } = options;
  let verify: (token: string) => Promise<JWTPayload>;
  if (options.jwtSecret) {
    const key = new TextEncoder().encode(options.jwtSecret);
    verify = async (token) =>
      (await jwtVerify(token, key, { algorithms: ["HS256"], clockTolerance: clockToleranceSeconds })).payload;
  } else if (options.supabaseUrl) {
    const authUrl = new URL("auth/v1", options.supabaseUrl.replace(/\/*$/, "/")).href;
    const jwks = createRemoteJWKSet(new URL(`${authUrl}/.well-known/jwks.json`));
    verify = async (token) =>
      (
        await jwtVerify(token, jwks, {
          algorithms: ["ES256", "RS256", "EdDSA"],
          // Supabase Auth sets iss to the project's auth URL.
          issuer: authUrl,
          clockTolerance: clockToleranceSeconds,
        })
      ).payload;
  } else {
    throw new Error("createUserVerifier: set GIGGLES_JWT_SECRET or SUPABASE_URL");
  }

  return async function verifyUser(authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (match === null) {
      throw unauthorized("MISSING_TOKEN", "send the user's access token as Authorization: Bearer <jwt>");
    }
    let payload: JWTPayload;
    try {
      payload = await verify(match[1]);
    } catch (cause) {
      throw unauthorized("INVALID_TOKEN", "the access token is invalid or expired; sign in again", cause);
    }
    if (payload.role !== "authenticated") {
      throw unauthorized("NOT_A_USER_TOKEN", "this endpoint needs a signed-in user's access token");
    }
    if (typeof payload.sub !== "string" || !UUID.test(payload.sub)) {
      throw unauthorized("INVALID_TOKEN", "the access token has no user id (sub)");
    }
    return { sub: payload.sub, role: "authenticated", claims: payload };
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
