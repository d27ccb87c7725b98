/**
 * @module
 * Reading what a user sends, for the user-facing functions (`me`, `laughs`, `limitless-key`): a JSON body
 * capped **while it is read** (a 48 MiB body is refused after the first 8 KiB, not after buffering it),
 * and zod parsing that turns a refusal into 400 with the issues. The issues carry paths and messages only,
 * never the input (a Limitless key or a note must not be echoed into logs or answers).
 *
 * @example
 * ```ts
 * app.patch("/events/:id", jsonBodyLimit(MAX_USER_BODY_BYTES), async (c) => {
 *   const body = parseOrThrow(noteBodySchema, parseJson(await c.req.text()), "INVALID_BODY", noteBodyHint);
 * });
 * ```
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { HttpError } from "./http-error.ts";

/** Parses `value` with `schema`, or throws 400 `code` with `message` and the issues (path + message). */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, code: string, message: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map(({ path, message }) => ({ path, message }));
    throw new HttpError(400, { code, message, details });
  }
  return parsed.data;
}

/**
 * Middleware: 413 BODY_TOO_LARGE once more than `maxBytes` arrive. Hono's bodyLimit trusts a
 * Content-Length it can check and otherwise counts the stream, so a chunked body is cut off too.
 */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HttpError(413, { code: "BODY_TOO_LARGE", message: `send at most ${maxBytes} bytes of JSON` });
    },
  });
}

/** 403 for a signed-in user without a profile row (sign-up did not finish). */
export function profileNotFound(cause?: unknown): HttpError {
  return new HttpError(403, {
    code: "PROFILE_NOT_FOUND",
    message: "this account has no profile; finish signing up first",
    cause,
  });
}
