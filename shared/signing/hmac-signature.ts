/**
 * @module
 * HMAC-SHA256 request signing between the Supabase side (queue dispatcher, Edge Functions) and the
 * inference nodes. Each direction has its own secret: the dispatcher signs `POST /infer` with the
 * infer secret, a node signs its `POST /report` callback with the report secret, so a node that leaks
 * its report secret cannot hand work to other nodes, and a signature made for one endpoint is refused
 * by the other.
 *
 * Runtime-neutral on purpose: Web Crypto (`crypto.subtle`) and `TextEncoder` only, no `node:` imports,
 * so the same file runs under Node 20 and in Deno Edge Functions.
 *
 * Wire format (Stripe-style, versioned so the scheme can change without a flag day):
 * - `x-giggles-timestamp: <unix seconds>`
 * - `x-giggles-signature: v2=<lowercase hex HMAC-SHA256(secret, "v2\n<METHOD>\n<path>\n<timestamp>\n<raw body>")>`
 *
 * `<path>` is the URL's path without its query, with a leading `/functions/v1` removed: Supabase's gateway
 * strips that prefix before the function sees the request, so the node signs `/report` for
 * `https://<ref>.supabase.co/functions/v1/report` and the function verifies `/report`.
 *
 * The signature header may carry at most {@link MAX_SIGNATURE_VALUES} comma-separated `v2=` values
 * (old and new secret during a rotation) and the verifier may be given several secrets. Headers are
 * checked (presence, format, count, timestamp window) before the body is read, and the HMAC is computed
 * once per secret, so a forged request costs the receiver at most one HMAC per configured secret.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(payload);
 * const headers = await signRequest(secret, { method: "POST", url, body });
 * await fetch(url, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
 *
 * // receiving side, on the *raw* body (re-serialising JSON would change the bytes):
 * const result = await verifyRequest(secret, { method: "POST", url: request.url, headers: request.headers, body: await request.text() });
 * if (!result.ok) return new Response(result.reason, { status: 401 });
 * ```
 */

export const TIMESTAMP_HEADER = "x-giggles-timestamp";
export const SIGNATURE_HEADER = "x-giggles-signature";
/** Default replay window: a signed request older (or newer) than this is refused. */
export const DEFAULT_REPLAY_WINDOW_MS = 300_000;
/** A signature header with more values than this is refused before any HMAC is computed. */
export const MAX_SIGNATURE_VALUES = 2;

const SIGNATURE_VERSION = "v2";
const MAC_HEX_LENGTH = 64;
/** `v2=<64 hex>` values, comma-separated, optional spaces: anything longer is malformed. */
const MAX_SIGNATURE_HEADER_LENGTH =
  MAX_SIGNATURE_VALUES * (SIGNATURE_VERSION.length + 1 + MAC_HEX_LENGTH + 2);
const SUPABASE_FUNCTIONS_PREFIX = "/functions/v1";
const encoder = new TextEncoder();

/** The two headers {@link signRequest} produces; spread them into `fetch`/undici headers. */
// A type alias, not an interface, so it is assignable to HeadersLike's index signature.
export type SignatureHeaders = {
  "x-giggles-timestamp": string;
  "x-giggles-signature": string;
};

/** Anything headers can be read from: a Web `Headers` object or a plain (lower-case keyed) record. */
export type HeadersLike = Headers | Readonly<Record<string, string | string[] | null | undefined>>;

export type VerifyFailureReason =
  | "MISSING_SIGNATURE"
  | "MALFORMED_SIGNATURE"
  | "BAD_SIGNATURE"
  | "STALE_TIMESTAMP";
export type VerifyResult = { ok: true; mac: string } | { ok: false; reason: VerifyFailureReason };

/** What a signature covers besides the timestamp. */
export interface SignedParts {
  method: string;
  /** The full URL (or just its path) the request is sent to / was received on. */
  url: string | URL;
  body: string | Uint8Array;
}

export interface VerifyOptions {
  /** Clock override for tests. Defaults to `Date.now()`. */
  nowMs?: number;
  /** Accepted clock difference in either direction. Defaults to {@link DEFAULT_REPLAY_WINDOW_MS}. */
  replayWindowMs?: number;
}

/** Headers that passed {@link checkSignatureHeaders}: the timestamp and the (at most two) MACs. */
export interface CheckedHeaders {
  ok: true;
  timestamp: string;
  macs: Uint8Array<ArrayBuffer>[];
}

/**
 * Signs a request with `secret` at `nowMs` (default now).
 *
 * @example
 * ```ts
 * const headers = await signRequest("s3cret", { method: "POST", url: "https://node/infer", body: '{"jobs":[]}' });
 * // { "x-giggles-timestamp": "1700000000", "x-giggles-signature": "v2=…64 hex…" }
 * ```
 */
export async function signRequest(
  secret: string,
  parts: SignedParts,
  nowMs: number = Date.now(),
): Promise<SignatureHeaders> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const mac = await computeMac(secret, signedPayload(timestamp, parts));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${SIGNATURE_VERSION}=${toHex(mac)}` };
}

/**
 * The cheap half of verification, to run before reading the body: both headers present, the timestamp
 * digits only and inside the window, the signature header at most {@link MAX_SIGNATURE_VALUES}
 * well-formed `v2=` values.
 */
export function checkSignatureHeaders(
  headers: HeadersLike,
  { nowMs = Date.now(), replayWindowMs = DEFAULT_REPLAY_WINDOW_MS }: VerifyOptions = {},
): CheckedHeaders | { ok: false; reason: VerifyFailureReason } {
  const timestamp = readHeader(headers, TIMESTAMP_HEADER);
  const signature = readHeader(headers, SIGNATURE_HEADER);
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: "MISSING_SIGNATURE" };
  // Digits only: `Number()` would also accept "1e9", " 12", "0x10", which the signer never sends.
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "MALFORMED_SIGNATURE" };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > replayWindowMs) {
    return { ok: false, reason: "STALE_TIMESTAMP" };
  }
  const macs = parseSignatures(signature);
  if (macs === undefined) return { ok: false, reason: "MALFORMED_SIGNATURE" };
  return { ok: true, timestamp, macs };
}

/**
 * The expensive half: one HMAC per secret over the request, compared in constant time with every MAC
 * of `checked`. On success returns the matching MAC (hex), which a receiver can remember to refuse
 * replays.
 */
export async function verifyCheckedRequest(
  secret: string | readonly string[],
  checked: CheckedHeaders,
  parts: SignedParts,
): Promise<VerifyResult> {
  const payload = signedPayload(checked.timestamp, parts);
  for (const s of typeof secret === "string" ? [secret] : secret) {
    const expected = await computeMac(s, payload);
    for (const candidate of checked.macs) {
      if (timingSafeEqual(expected, candidate)) return { ok: true, mac: toHex(candidate) };
    }
  }
  return { ok: false, reason: "BAD_SIGNATURE" };
}

/**
 * Verifies a signed request: {@link checkSignatureHeaders} then {@link verifyCheckedRequest}.
 * `secret` may be a list (old and new secret during a rotation).
 *
 * @example
 * ```ts
 * const result = await verifyRequest(secret, { method: "POST", url: c.req.url, headers: c.req.raw.headers, body: rawBody });
 * if (!result.ok) throw new HttpError(401, { message: result.reason });
 * ```
 */
export async function verifyRequest(
  secret: string | readonly string[],
  request: SignedParts & { headers: HeadersLike },
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const checked = checkSignatureHeaders(request.headers, options);
  if (!checked.ok) return checked;
  return await verifyCheckedRequest(secret, checked, request);
}

/** The path a signature covers: no query, no `/functions/v1` gateway prefix. */
export function signedPath(url: string | URL): string {
  const pathname = typeof url === "string" && url.startsWith("/") ? url.split("?")[0] : new URL(url).pathname;
  return pathname === SUPABASE_FUNCTIONS_PREFIX || pathname.startsWith(`${SUPABASE_FUNCTIONS_PREFIX}/`)
    ? pathname.slice(SUPABASE_FUNCTIONS_PREFIX.length) || "/"
    : pathname;
}

async function computeMac(secret: string, payload: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (secret.length === 0) throw new Error("HMAC secret is empty: set the signing secret before signing");
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, payload));
}

function signedPayload(timestamp: string, { method, url, body }: SignedParts): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(
    `${SIGNATURE_VERSION}\n${method.toUpperCase()}\n${signedPath(url)}\n${timestamp}\n`,
  );
  const bodyBytes = typeof body === "string" ? encoder.encode(body) : body;
  const out = new Uint8Array(prefix.length + bodyBytes.length);
  out.set(prefix, 0);
  out.set(bodyBytes, prefix.length);
  return out;
}

function readHeader(headers: HeadersLike, name: string): string | undefined {
  const value =
    headers instanceof Headers ? headers.get(name) : (headers[name] ?? headers[name.toLowerCase()]);
  const first = Array.isArray(value) ? value[0] : value;
  return first === null || first === undefined || first === "" ? undefined : first;
}

/** `v2=<hex>[,v2=<hex>]` → the decoded MACs, or undefined when anything about it is malformed. */
function parseSignatures(header: string): Uint8Array<ArrayBuffer>[] | undefined {
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return undefined;
  const parts = header.split(",");
  if (parts.length > MAX_SIGNATURE_VALUES) return undefined;
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (const part of parts) {
    const match = /^v2=([0-9a-f]{64})$/.exec(part.trim());
    if (match === null) return undefined;
    out.push(fromHex(match[1]));
  }
  return out;
}

/** Constant-time for equal lengths (always 32 bytes here): no early exit on the first difference. */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
