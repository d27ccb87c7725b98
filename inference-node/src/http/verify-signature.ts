/**
 * @module
 * Middleware: refuses requests whose HMAC signature (shared/signing) is missing, wrong or outside the
 * replay window, with 401. It reads the raw body once (Hono caches it, so `c.req.json()` still works
 * later) because the signature covers the exact bytes, not a re-serialised JSON.
 */
import type { MiddlewareHandler } from "hono";
import { verifyRequest } from "../../../shared/signing/hmac-signature.ts";
import { HttpError } from "./http-error.ts";

export interface VerifySignatureOptions {
  secret: string;
  replayWindowMs: number;
  nowMs?: () => number;
}

/**
 * @example
 * ```ts
 * app.post("/infer", verifySignature({ secret: config.NODE_SHARED_SECRET, replayWindowMs: 300_000 }), handler);
 * ```
 */
export function verifySignature({
  secret,
  replayWindowMs,
  nowMs = Date.now,
}: VerifySignatureOptions): MiddlewareHandler {
  return async function verifySignatureMiddleware(c, next) {
    const body = await c.req.text();
    const result = await verifyRequest(secret, c.req.raw.headers, body, { nowMs: nowMs(), replayWindowMs });
    if (!result.ok) {
      throw new HttpError(401, {
        code: result.reason,
        message: "the request must carry a valid x-giggles-signature made with the node's shared secret",
      });
    }
    await next();
  };
}
