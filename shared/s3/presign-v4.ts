/**
 * @module
 * AWS Signature Version 4 query-string presigning for S3 GET/PUT URLs, on Web Crypto only, so the same
 * code runs in Deno Edge Functions and in Node. Supabase Storage's S3 protocol accepts these URLs
 * (path-style: `<endpoint>/<bucket>/<key>`).
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

export interface S3Credentials {
  /** e.g. `https://<ref>.storage.supabase.co/storage/v1/s3`, or `http://127.0.0.1:4568` locally. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface PresignOptions {
  /**
   * HEAD checks that an object exists and reads its size (`content-length`) without downloading it.
   * POST and DELETE serve multipart uploads (`?uploads`, `?uploadId=…`) and object deletion.
   */
  method: "GET" | "PUT" | "HEAD" | "POST" | "DELETE";
  bucket: string;
  key: string;
  /** Validity, 1 s to 7 days (SigV4's limit). */
  expiresInSeconds: number;
  /** Signing time; defaults to now. */
  now?: Date;
  /**
   * Extra query parameters signed with the URL, e.g. `{ uploads: "" }` (CreateMultipartUpload) or
   * `{ partNumber: "1", uploadId }` (UploadPart).
   */
  query?: Record<string, string>;
}

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
const encoder = new TextEncoder();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` kept in paths. */
function uriEncode(value: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of encoder.encode(value)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === "/")) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmac(key: ArrayBuffer | Uint8Array<ArrayBuffer>, data: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data));
}

/** `20261128T140203Z` */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * Returns a presigned URL for one object.
 *
 * @example
 * const url = await presignS3Url(credentials, { method: "GET", bucket: "recordings", key: "u/1.ogg", expiresInSeconds: 900 });
 */
export async function presignS3Url(credentials: S3Credentials, options: PresignOptions): Promise<string> {
  const { method, bucket, key, expiresInSeconds } = options;
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError(
      `expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}, got ${expiresInSeconds}`,
    );
  }
  if (key.length === 0 || key.startsWith("/")) throw new RangeError(`invalid object key "${key}"`);
  const endpoint = new URL(credentials.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, "");
  const path = `${basePath}/${bucket}/${key}`;
  const timestamp = amzDate(options.now ?? new Date());
  const day = timestamp.slice(0, 8);
  const scope = `${day}/${credentials.region}/s3/aws4_request`;
  const query: [string, string][] = [
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${credentials.accessKeyId}/${scope}`],
    ["X-Amz-Date", timestamp],
    ["X-Amz-Expires", String(expiresInSeconds)],
    ["X-Amz-SignedHeaders", "host"],
    ...Object.entries(options.query ?? {}),
  ];
  const canonicalQuery = query
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    method,
    uriEncode(path, true),
    canonicalQuery,
    `host:${endpoint.host}\n`,
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    timestamp,
    scope,
    hex(await crypto.subtle.digest("SHA-256", encoder.encode(canonicalRequest))),
  ].join("\n");
  let signingKey = await hmac(encoder.encode(`AWS4${credentials.secretAccessKey}`), day);
  for (const part of [credentials.region, "s3", "aws4_request"]) signingKey = await hmac(signingKey, part);
  const signature = hex(await hmac(signingKey, stringToSign));
  return `${endpoint.origin}${uriEncode(path, true)}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}
