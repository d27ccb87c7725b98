/**
 * @module
 * Mints a Supabase-style user access token (HS256, signed with the project's JWT secret), as Supabase
 * Auth would after sign-in. Local stack and tests only: production tokens come from Supabase Auth.
 */
import { createHmac } from "node:crypto";

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** A token for `userId` with role `authenticated`, valid for `ttlSeconds`. */
export function mintUserToken(
  jwtSecret: string,
  userId: string,
  ttlSeconds = 3600,
  nowMs = Date.now(),
): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({
      sub: userId,
      role: "authenticated",
      aud: "authenticated",
      iat: now,
      exp: now + ttlSeconds,
    }),
  );
  const signature = createHmac("sha256", jwtSecret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}
