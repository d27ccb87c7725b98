// Generated from shared/http/http-error.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * The one error type our HTTP layers throw for an answer other than success, in the inference node and
 * in the Edge Functions alike. Each side renders it in its own `onError` (rendering differs: logging,
 * body shape); the error itself is the same. Runtime-neutral: the only import is a type.
 *
 * @example
 * ```ts
 * throw new HttpError(429, { code: "QUEUE_FULL", message: "try again later", headers: { "retry-after": "30" } });
 * ```
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface HttpErrorOptions {
  /** Stable SCREAMING_SNAKE code clients branch on, e.g. `BAD_SIGNATURE`, `QUEUE_FULL`. */
  code: string;
  /** What went wrong and what to do next; safe to show to the caller. */
  message: string;
  /** Extra safe-to-share detail, e.g. zod issues. */
  details?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

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
