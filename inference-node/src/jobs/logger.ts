/**
 * @module
 * Structured logs: one JSON object per line on stdout (journald keeps them; `jq` reads them).
 * Every job-related line carries `jobId`; errors are logged by name and message, never with stacks of
 * request bodies or URLs with presigned credentials in them.
 *
 * @example
 * ```ts
 * const logger = createLogger();
 * logger.info("job_started", { jobId, format: "auto" });
 * // {"ts":"2026-11-28T02:00:00.000Z","level":"info","event":"job_started","jobId":"…","format":"auto"}
 * ```
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Creates a logger writing one JSON line per call to `write` (stdout by default). */
export function createLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const log = (level: LogLevel, event: string, fields: LogFields = {}) => {
    write(JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields }, replaceErrors));
  };
  return {
    debug: (event, fields) => log("debug", event, fields),
    info: (event, fields) => log("info", event, fields),
    warn: (event, fields) => log("warn", event, fields),
    error: (event, fields) => log("error", event, fields),
  };
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function replaceErrors(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/**
 * Strips the query string (presigned credentials) from a URL before it goes into a log line.
 *
 * @example
 * ```ts
 * redactUrl("https://s3/rec.ogg?X-Amz-Signature=abc"); // "https://s3/rec.ogg?…"
 * ```
 */
export function redactUrl(url: string): string {
  const index = url.indexOf("?");
  return index === -1 ? url : `${url.slice(0, index)}?…`;
}
