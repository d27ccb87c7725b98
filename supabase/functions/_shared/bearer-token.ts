/**
 * @module
 * Static bearer-token check for machine callers (the pg_cron kick → dispatch).
 *
 * @example
 * ```ts
 * if (!(await bearerMatches(c.req.header("authorization"), config.DISPATCH_TOKEN))) throw new HttpError(401, …);
 * ```
 */

const encoder = new TextEncoder();

/**
 * True when `authorization` is `Bearer <expected>`. Constant-time: both sides are hashed to 32 bytes
 * first, so neither the length nor the first differing byte of the secret shows in the timing.
 */
export async function bearerMatches(authorization: string | undefined, expected: string): Promise<boolean> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const presented = match?.[1] ?? "";
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = match === null ? 1 : 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
