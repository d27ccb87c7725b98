/**
 * @module
 * Middleware pair for signed requests (shared/signing), answering 401 when the signature is missing,
 * malformed, wrong, outside the replay window or a replay:
 *
 * - `headers` runs first and looks at the headers only (presence, format, at most two values,
 *   timestamp window), so a malformed or stale request is refused before a byte of its body is read;
 * - `body` reads the raw body once (Hono caches it, so `c.req.text()` still works later; the signature
 *   covers the exact bytes, not a re-serialised JSON), computes one HMAC per secret and remembers the
 *   signature for the replay window.
 */
import type { Context, MiddlewareHandler } from "hono";
import {
  type CheckedHeaders,
  checkSignatureHeaders,
  verifyCheckedRequest,
} from "../../../shared/signing/hmac-signature.ts";
import { HttpError } from "./http-error.ts";
import { ReplayGuard } from "./replay-guard.ts";

export interface VerifySignatureOptions {
  /** Accepted secrets: the current one first, the previous one during a rotation. */
  secrets: readonly string[];
  replayWindowMs: number;
  nowMs?: () => number;
  /** Requests signed before this instant are refused (default: now, i.e. this process's start). */
  notBeforeMs?: number;
}

const MESSAGE =
  "the request must carry a valid x-giggles-signature made with the node's INFER_SIGNING_SECRET";

/**
 * @example
 * ```ts
 * const signature = verifySignature({ secrets: [config.INFER_SIGNING_SECRET], replayWindowMs: 300_000 });
 * app.post("/infer", signature.headers, bodyLimit({ maxSize }), signature.body, handler);
 * ```
 */
export function verifySignature({
  secrets,
  replayWindowMs,
  nowMs = Date.now,
  notBeforeMs = nowMs(),
}: VerifySignatureOptions): { headers: MiddlewareHandler; body: MiddlewareHandler } {
  const replays = new ReplayGuard({ replayWindowMs, notBeforeMs });
  // Keyed by the context, not c.req.raw: bodyLimit replaces the raw Request to count the body's bytes.
  const checkedByRequest = new WeakMap<Context, CheckedHeaders>();
  return {
    headers: async function verifySignatureHeaders(c, next) {
      const checked = checkSignatureHeaders(c.req.raw.headers, { nowMs: nowMs(), replayWindowMs });
      if (!checked.ok) throw new HttpError(401, { code: checked.reason, message: MESSAGE });
      checkedByRequest.set(c, checked);
      await next();
    },
    body: async function verifySignatureBody(c, next) {
      const checked = checkedByRequest.get(c);
      if (checked === undefined) throw new Error("verifySignature: the headers middleware must run first");
      const body = await c.req.text();
      const result = await verifyCheckedRequest(secrets, checked, {
        method: c.req.method,
        url: c.req.url,
        body,
      });
      if (!result.ok) throw new HttpError(401, { code: result.reason, message: MESSAGE });
      if (!replays.accept(result.mac, Number(checked.timestamp), nowMs())) {
        throw new HttpError(401, {
          code: "REPLAYED_REQUEST",
          message:
            "this signed request was already received (or signed before the node started); sign a new one",
        });
      }
      await next();
    },
  };
}
