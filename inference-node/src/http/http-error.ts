/**
 * @module
 * The one error type the HTTP layer throws, and the `onError` handler that renders it. Anything else
 * that reaches `onError` is an internal fault: it is logged and answered with a bare 500.
 */
import type { Context } from "hono";
import { HttpError } from "../../../shared/http/http-error.ts";
import type { Logger } from "../jobs/logger.ts";

export { HttpError, type HttpErrorOptions } from "../../../shared/http/http-error.ts";

/**
 * Renders errors; body of every error response: `{ error: { code, message, details? } }`.
 *
 * @example
 * ```ts
 * app.onError(createErrorHandler(logger));
 * ```
 */
export function createErrorHandler(logger: Logger) {
  return function onError(error: Error, c: Context): Response {
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      const body = {
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      };
      return c.json({ error: body }, error.status);
    }
    logger.error("http_internal_error", { method: c.req.method, path: c.req.path, error });
    return c.json({ error: { code: "INTERNAL", message: "Internal server error" } }, 500);
  };
}
