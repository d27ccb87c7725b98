// Generated from shared/limitless/limitless-contract.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * The Limitless API as giggles uses it (the contract the old system relied on; the stand-in in
 * test/harness/limitless-server.ts follows it):
 *
 * - `GET /v1/download-audio?startMs=<epoch ms>&endMs=<epoch ms>` with `X-API-Key`; a window is at most
 *   2 h. 200: one Ogg Opus stream (the pendant records at 24 kbit/s). 404: no audio in that window (yet).
 *   401: key invalid or revoked. 403: the key is known but may not download (its own state, re-checked).
 *   400: the request is wrong (permanent). 429: rate limited for this key (`Retry-After` header or the
 *   body's `retryAfter` seconds). 5xx and network errors: transient. 3xx: never followed (the key must not
 *   reach another host).
 * - `GET /v1/lifelogs?limit=1` with the key: only 200 means the key is valid.
 *
 * Production base URL: https://api.limitless.ai
 */

export const LIMITLESS_API_URL = "https://api.limitless.ai";
export const LIMITLESS_KEY_HEADER = "X-API-Key";
/** Longest window `download-audio` serves. */
export const MAX_WINDOW_MS = 2 * 3600 * 1000;
/** The pendant's Opus bitrate: what a window of audio weighs, give or take the Ogg framing. */
export const PENDANT_BITRATE_BPS = 24_000;

function endpoint(baseUrl: string, path: string): URL {
  return new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
}

/** `…/v1/download-audio?startMs=…&endMs=…` for a window of at most 2 h. */
export function downloadAudioUrl(baseUrl: string, startMs: number, endMs: number): URL {
  if (!Number.isSafeInteger(startMs) || !Number.isSafeInteger(endMs) || endMs <= startMs) {
    throw new RangeError(`invalid window ${startMs}..${endMs}`);
  }
  if (endMs - startMs > MAX_WINDOW_MS) throw new RangeError("a download window is at most 2 hours");
  const url = endpoint(baseUrl, "v1/download-audio");
  url.searchParams.set("startMs", String(startMs));
  url.searchParams.set("endMs", String(endMs));
  return url;
}

/** `…/v1/lifelogs?limit=1`: the key check. */
export function keyCheckUrl(baseUrl: string): URL {
  const url = endpoint(baseUrl, "v1/lifelogs");
  url.searchParams.set("limit", "1");
  return url;
}

/** What an upstream status means for a window. */
export type DownloadAnswer =
  | "audio"
  | "no_audio"
  | "key_invalid"
  | "key_forbidden"
  | "rate_limited"
  | "bad_request"
  | "redirect"
  | "transient";

export function classifyDownloadStatus(status: number): DownloadAnswer {
  if (status === 200) return "audio";
  if (status === 404) return "no_audio";
  if (status === 401) return "key_invalid";
  if (status === 403) return "key_forbidden";
  if (status === 429) return "rate_limited";
  if (status === 400) return "bad_request";
  if (status >= 300 && status < 400) return "redirect";
  // 5xx, and anything else the contract does not name (408, 409…): retry with backoff, dead-letter at the end.
  return "transient";
}

/**
 * How long a 429 asks to wait, in seconds: the `Retry-After` header, else the JSON body's `retryAfter`
 * (seconds), else undefined.
 */
export function rateLimitSeconds(
  header: string | null,
  body: string,
  nowMs = Date.now(),
): number | undefined {
  const fromHeader = retryAfterSeconds(header, nowMs);
  if (fromHeader !== undefined) return fromHeader;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || !("retryAfter" in parsed)) return undefined;
  const value = parsed.retryAfter;
  const seconds = typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0
    ? Math.ceil(seconds)
    : undefined;
}

/** `Retry-After` as seconds (delta or HTTP date), or undefined. */
export function retryAfterSeconds(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** True when `head` starts with the Ogg capture pattern `OggS`. */
export function hasOggMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x4f && head[1] === 0x67 && head[2] === 0x67 && head[3] === 0x53;
}
