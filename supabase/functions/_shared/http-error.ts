/**
 * @module
 * The one error type Edge Functions throw for an HTTP answer, and the `onError` handler that turns it
 * into JSON. Anything else is logged and answered with a bare 500: stack traces, SQL and connection
 * strings never reach a client (STYLE.md rule 5; chatgpt-your-files' 500-for-missing-auth is the
 * counter-example).
 *
 * @example
 * ```ts
 * const app = new Hono().basePath("/report");
 * app.onError(createErrorHandler("report"));
 * throw new HttpError(400, { code: "INVALID_BODY", message: "…", details: issues });
 * // → 400 {"error":{"code":"INVALID_BODY","message":"…","details":[…]}}
 * ```
 */
import type { ErrorHandler, Handler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { HttpError } from "./generated/http/http-error.ts";

export { HttpError, type HttpErrorOptions } from "./generated/http/http-error.ts";

/** JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** `app.onError(createErrorHandler("dispatch"))`: HttpError → its JSON; anything else → logged, 500. */
export function createErrorHandler(functionName: string): ErrorHandler {
  return function onError(err, c) {
    if (err instanceof HttpError) {
      const body: ErrorBody = {
        error: {
          code: err.code,
          message: err.message,
          ...(err.details === undefined ? {} : { details: err.details }),
        },
      };
      return c.json(body, err.status, err.headers);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own middleware (e.g. body-limit) throws these for client errors.
      return c.json({ error: { code: "BAD_REQUEST", message: err.message } }, err.status);
    }
    // Name, message and SQLSTATE only: postgres.js keeps query parameters off its errors' enumerable
    // properties, and we do not log the request body either.
    const code = (err as { code?: unknown }).code;
    console.error(
      JSON.stringify({
        level: "error",
        function: functionName,
        event: "unhandled_error",
        error: { name: err.name, message: err.message, ...(typeof code === "string" ? { code } : {}) },
      }),
    );
    const body: ErrorBody = {
      error: { code: "INTERNAL", message: "internal error; the function logs have the details" },
    };
    return c.json(body, 500);
  };
}

/** Route handler for the methods a path does not support: 405 with `Allow`. */
export function methodNotAllowed(allowed: readonly string[]): Handler {
  return function methodNotAllowed(c) {
    throw new HttpError(405, {
      code: "METHOD_NOT_ALLOWED",
      message: `${c.req.method} is not supported here; use ${allowed.join(" or ")}`,
      headers: { allow: allowed.join(", ") },
    });
  };
}

/** `app.notFound(notFound)`: JSON 404 for unknown paths. */
export const notFound: NotFoundHandler = (c) => {
  const body: ErrorBody = { error: { code: "NOT_FOUND", message: "no such route" } };
  return c.json(body, 404);
};

/** Parses a request body as JSON, or throws 400 INVALID_JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, { code: "INVALID_JSON", message: "the body must be JSON", cause });
  }
}
