// Generated from shared/signing/hmac-signature.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * HMAC-SHA256 request signing between the Supabase side (queue dispatcher, Edge Functions) and the
 * inference nodes, in both directions (`POST /infer` and the job-report callback).
 *
 * Runtime-neutral on purpose: Web Crypto (`crypto.subtle`) and `TextEncoder` only, no `node:` imports,
 * so the same file runs under Node 20 and in Deno Edge Functions.
 *
 * Wire format (Stripe-style, versioned so the scheme can change without a flag day):
 * - `x-giggles-timestamp: <unix seconds>`
 * - `x-giggles-signature: v1=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`
 *
 * The signature header may carry several comma-separated `v1=` values and the verifier may be given
 * several secrets; either side can then rotate the secret without dropping requests.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(payload);
 * const headers = await signRequest(secret, body);
 * await fetch(url, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
 *
 * // receiving side, on the *raw* body (re-serialising JSON would change the bytes):
 * const result = await verifyRequest(secret, request.headers, await request.text());
 * if (!result.ok) return new Response(result.reason, { status: 401 });
 * ```
 */

export const TIMESTAMP_HEADER = "x-giggles-timestamp";
export const SIGNATURE_HEADER = "x-giggles-signature";
/** Default replay window: a signed request older (or newer) than this is refused. */
export const DEFAULT_REPLAY_WINDOW_MS = 300_000;

const SIGNATURE_VERSION = "v1";
const encoder = new TextEncoder();

/** The two headers {@link signRequest} produces; spread them into `fetch`/undici headers. */
// A type alias, not an interface, so it is assignable to HeadersLike's index signature.
export type SignatureHeaders = {
  "x-giggles-timestamp": string;
  "x-giggles-signature": string;
};

/** Anything headers can be read from: a Web `Headers` object or a plain (lower-case keyed) record. */
export type HeadersLike = Headers | Readonly<Record<string, string | string[] | null | undefined>>;

export type VerifyFailureReason = "MISSING_SIGNATURE" | "BAD_SIGNATURE" | "STALE_TIMESTAMP";
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailureReason };

export interface VerifyOptions {
  /** Clock override for tests. Defaults to `Date.now()`. */
  nowMs?: number;
  /** Accepted clock difference in either direction. Defaults to {@link DEFAULT_REPLAY_WINDOW_MS}. */
  replayWindowMs?: number;
}

/**
 * Signs `body` with `secret` at `nowMs` (default now).
 *
 * @example
 * ```ts
 * const headers = await signRequest("s3cret", '{"jobs":[]}', 1_700_000_000_000);
 * // { "x-giggles-timestamp": "1700000000", "x-giggles-signature": "v1=…64 hex…" }
 * ```
 */
export async function signRequest(
  secret: string,
  body: string | Uint8Array,
  nowMs: number = Date.now(),
): Promise<SignatureHeaders> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const key = await importKey(secret);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signedPayload(timestamp, body)));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${SIGNATURE_VERSION}=${toHex(mac)}` };
}

/**
 * Verifies a signed request. `secret` may be a list (old and new secret during a rotation).
 * The comparison is constant-time: it is done by `crypto.subtle.verify`, never by string equality.
 *
 * @example
 * ```ts
 * const result = await verifyRequest(secret, c.req.raw.headers, rawBody, { replayWindowMs: 60_000 });
 * if (!result.ok) throw new HttpError(401, { message: result.reason });
 * ```
 */
export async function verifyRequest(
  secret: string | readonly string[],
  headers: HeadersLike,
  body: string | Uint8Array,
  { nowMs = Date.now(), replayWindowMs = DEFAULT_REPLAY_WINDOW_MS }: VerifyOptions = {},
): Promise<VerifyResult> {
  const timestamp = readHeader(headers, TIMESTAMP_HEADER);
  const signature = readHeader(headers, SIGNATURE_HEADER);
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: "MISSING_SIGNATURE" };
  // Digits only: `Number()` would also accept "1e9", " 12", "0x10", which the signer never sends.
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "BAD_SIGNATURE" };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > replayWindowMs) {
    return { ok: false, reason: "STALE_TIMESTAMP" };
  }
  const candidates = parseSignatures(signature);
  if (candidates.length === 0) return { ok: false, reason: "BAD_SIGNATURE" };
  const payload = signedPayload(timestamp, body);
  const secrets = typeof secret === "string" ? [secret] : secret;
  for (const s of secrets) {
    const key = await importKey(s);
    for (const candidate of candidates) {
      if (await crypto.subtle.verify("HMAC", key, candidate, payload)) return { ok: true };
    }
  }
  return { ok: false, reason: "BAD_SIGNATURE" };
}

async function importKey(secret: string): Promise<CryptoKey> {
  if (secret.length === 0) throw new Error("HMAC secret is empty: set the shared secret before signing");
  return await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

function signedPayload(timestamp: string, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.`);
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

/** `v1=<hex>[,v1=<hex>…]` → the decoded MACs; unknown versions and malformed hex are ignored. */
function parseSignatures(header: string): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(",")) {
    const [version, hex] = part.trim().split("=", 2);
    if (version !== SIGNATURE_VERSION || hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) continue;
    out.push(fromHex(hex));
  }
  return out;
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
