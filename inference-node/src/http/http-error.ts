/**
 * @module
 * The one error type the HTTP layer throws, and the `onError` handler that renders it. Anything else
 * that reaches `onError` is an internal fault: it is logged and answered with a bare 500.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../jobs/logger.ts";

export interface HttpErrorOptions {
  /** Stable SCREAMING_SNAKE code, e.g. `BAD_SIGNATURE`, `QUEUE_FULL`. */
  code: string;
  message: string;
  /** Safe, client-facing extra data (e.g. zod issues). */
  details?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * @example
 * ```ts
 * throw new HttpError(429, { code: "QUEUE_FULL", message: "try again later", headers: { "retry-after": "30" } });
 * ```
 */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, options: HttpErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = options.code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

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
