/**
 * @module
 * AWS Signature Version 4 query-string presigning for S3 GET/PUT/HEAD/DELETE URLs and ListObjectsV2 pages. The signing is aws4fetch's
 * `AwsV4Signer` with `signQuery` (Web Crypto only, so the same code runs in Deno Edge Functions and in Node;
 * Deno resolves `aws4fetch` through supabase/functions/deno.json, Node through node_modules). This module
 * owns what is ours: the checks, the path-style URL, and which headers are signed. Supabase Storage's S3
 * protocol accepts these URLs (path-style: `<endpoint>/<bucket>/<key>`).
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import { AwsV4Signer } from "aws4fetch";

export interface S3Credentials {
  /** `https://<ref>.storage.supabase.co/storage/v1/s3` in production, `http://127.0.0.1:4568` locally. */
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
  /** Object key: relative, `/`-separated, no empty, `.` or `..` segments. */
  key: string;
  /** Validity, 1 s to 7 days (SigV4's limit). */
  expiresInSeconds: number;
  /**
   * Headers the request must carry with exactly these values (e.g. `content-type`, `content-length` of an
   * upload), signed besides `host`; the client has to send them. Names are case-insensitive.
   */
  signedHeaders?: Readonly<Record<string, string>>;
  /** Signing time; defaults to now. */
  now?: Date;
  /**
   * Extra query parameters signed with the URL, e.g. `{ uploads: "" }` (CreateMultipartUpload) or
   * `{ partNumber: "1", uploadId }` (UploadPart).
   */
  query?: Readonly<Record<string, string>>;
}

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
const encoder = new TextEncoder();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` kept in paths. */
function uriEncodePath(value: string): string {
  let out = "";
  for (const byte of encoder.encode(value)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~/]/.test(ch)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
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
  const { method, bucket, key, signedHeaders = {} } = options;
  // No segment may climb out of (or blur) the key's prefix: a stored `u/r/../../other/x` must not be signed.
  if (key.length === 0 || key.split("/").some((segment) => ["", ".", ".."].includes(segment))) {
    throw new RangeError(`invalid object key "${key}": no empty, "." or ".." path segments`);
  }
  const headers = new Headers(signedHeaders);
  if (headers.has("host")) throw new RangeError("signedHeaders: host is always signed, from the endpoint");
  return await presign(
    credentials,
    method,
    `${bucket}/${key}`,
    Object.entries(options.query ?? {}),
    headers,
    options,
  );
}

export interface PresignListOptions {
  bucket: string;
  /** Only keys starting with this, e.g. `<user id>/`. */
  prefix: string;
  /** `NextContinuationToken` of the previous page. */
  continuationToken?: string | undefined;
  expiresInSeconds: number;
  now?: Date;
}

/**
 * Returns a presigned ListObjectsV2 URL (GET `<endpoint>/<bucket>?list-type=2&prefix=…`); the answer is
 * S3's XML (`<Key>`, `<IsTruncated>`, `<NextContinuationToken>`), at most 1000 keys per page.
 */
export async function presignS3ListUrl(
  credentials: S3Credentials,
  options: PresignListOptions,
): Promise<string> {
  if (options.prefix.length === 0) throw new RangeError("a list prefix is required");
  const query: [string, string][] = [
    ["list-type", "2"],
    ["prefix", options.prefix],
  ];
  if (options.continuationToken !== undefined) query.push(["continuation-token", options.continuationToken]);
  return await presign(credentials, "GET", options.bucket, query, new Headers(), options);
}

async function presign(
  credentials: S3Credentials,
  method: PresignOptions["method"],
  bucketAndKey: string,
  query: [string, string][],
  headers: Headers,
  { expiresInSeconds, now }: { expiresInSeconds: number; now?: Date | undefined },
): Promise<string> {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError(
      `expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}, got ${expiresInSeconds}`,
    );
  }
  const endpoint = new URL(credentials.endpoint);
  const basePath = endpoint.pathname.replace(/\/+$/, "");
  // The path goes in already encoded once; aws4fetch decodes and re-encodes it the same way for S3.
  const url = new URL(`${endpoint.origin}${uriEncodePath(`${basePath}/${bucketAndKey}`)}`);
  for (const [name, value] of query) url.searchParams.set(name, value);
  url.searchParams.set("X-Amz-Expires", String(expiresInSeconds));
  const signer = new AwsV4Signer({
    method,
    url: url.toString(),
    headers,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    service: "s3",
    region: credentials.region,
    datetime: amzDate(now ?? new Date()),
    signQuery: true,
    // Sign every header given: aws4fetch otherwise leaves content-type and content-length unsigned.
    allHeaders: true,
  });
  const signed = await signer.sign();
  return signed.url.toString();
}
