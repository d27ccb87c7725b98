/**
 * @module
 * The error every API call of the page throws: the server's code, and as its message the sentence the
 * page shows for that code (messages.ts), never the server's own text.
 */
import { apiErrorSentence } from "./messages.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string) {
    super(apiErrorSentence(code));
    this.status = status;
    this.code = code;
  }
}

/** What to tell the user about any error a handler caught. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : apiErrorSentence("UNKNOWN");
}
