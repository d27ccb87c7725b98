/**
 * @module
 * Opens a CLI input (a path or an http(s) URL) as a byte stream, with its size when known.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { request } from "undici";
import { redirectingAgent } from "../jobs/redirecting-agent.ts";

/** The input could not be read (as opposed to read but undecodable). */
export class InputUnreadableError extends Error {
  override name = "InputUnreadableError";
}

/** Wait for response headers, and between body chunks, at most this long. */
const HTTP_TIMEOUT_MS = 30_000;

export interface OpenedInput {
  bytes: AsyncIterable<Uint8Array>;
  /** Total bytes when known (file size or Content-Length). */
  sizeBytes?: number;
}

export async function openInput(input: string, signal?: AbortSignal): Promise<OpenedInput> {
  if (/^https?:\/\//i.test(input)) {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(input, {
        signal,
        dispatcher: redirectingAgent(),
        headersTimeout: HTTP_TIMEOUT_MS,
        bodyTimeout: HTTP_TIMEOUT_MS,
      });
    } catch (error) {
      throw new InputUnreadableError(`could not fetch ${input}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump();
      throw new InputUnreadableError(`fetching ${input} answered HTTP ${response.statusCode}`);
    }
    const length = Number(response.headers["content-length"]);
    return {
      bytes: unreadableOnError(response.body, input),
      sizeBytes: Number.isFinite(length) ? length : undefined,
    };
  }
  let sizeBytes: number;
  try {
    const info = await stat(input);
    if (!info.isFile()) throw new InputUnreadableError(`${input} is not a file`);
    sizeBytes = info.size;
  } catch (error) {
    if (error instanceof InputUnreadableError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(error);
    throw new InputUnreadableError(`cannot read ${input}: ${reason}`, { cause: error });
  }
  return { bytes: createReadStream(input, { highWaterMark: 64 * 1024, signal }), sizeBytes };
}

/**
 * A network error or timeout in the middle of the body is the input being unreadable (exit 3), not an
 * internal error (exit 1).
 */
async function* unreadableOnError(
  body: AsyncIterable<Uint8Array>,
  input: string,
): AsyncGenerator<Uint8Array> {
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      yield chunk;
    }
  } catch (error) {
    throw new InputUnreadableError(
      `reading ${input} failed after ${received} bytes: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Wraps a byte stream, reporting the running byte count after each chunk. */
export async function* countBytes(
  bytes: AsyncIterable<Uint8Array>,
  onBytes: (total: number) => void,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of bytes) {
    total += chunk.byteLength;
    onBytes(total);
    yield chunk;
  }
}
