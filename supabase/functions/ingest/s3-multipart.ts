/**
 * @module
 * Streams a response body into one S3 object with a multipart upload through presigned URLs
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload; AbortMultipartUpload on any failure).
 * Memory stays bounded by one part buffer however long the body is: bytes are read (BYOB) into a reused
 * buffer of `partBytes`, which is PUT from that same memory when full (no copy, see in-place-body.ts)
 * and then refilled. Supabase Storage's S3 protocol and
 * s3rver both speak this.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
 */
import { presignS3Url, type S3Credentials } from "../_shared/generated/s3/presign-v4.ts";
import { inPlaceBody } from "./in-place-body.ts";
import type { PartBufferPool } from "./part-buffer-pool.ts";

export interface MultipartTarget {
  s3: S3Credentials;
  bucket: string;
  key: string;
  /** Bytes per part (≥ 5 MiB, S3's minimum for every part but the last). */
  partBytes: number;
  /** Where the part buffer comes from and goes back to after a complete upload (default: a new one). */
  partBuffers?: PartBufferPool;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface UploadedObject {
  sizeBytes: number;
  parts: number;
}

/**
 * Thrown for content that must not be stored: empty, not Ogg, shorter than announced, cut or corrupt
 * Ogg (ogg-check.ts), larger than the window's byte cap, or a duration that does not fit the window.
 */
export class BadAudioError extends Error {
  readonly code:
    | "EMPTY_BODY"
    | "NOT_OGG"
    | "TRUNCATED"
    | "CUT_AUDIO"
    | "CORRUPT_OGG"
    | "TOO_LARGE"
    | "DURATION_MISMATCH";

  constructor(code: BadAudioError["code"], message: string) {
    super(`${code}: ${message}`);
    this.name = "BadAudioError";
    this.code = code;
  }
}

const PRESIGN_SECONDS = 900;

async function signedFetch(
  target: MultipartTarget,
  method: "POST" | "PUT" | "DELETE" | "HEAD",
  query: Record<string, string>,
  init: { body?: Uint8Array<ArrayBuffer> | string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const url = await presignS3Url(target.s3, {
    method,
    bucket: target.bucket,
    key: target.key,
    expiresInSeconds: PRESIGN_SECONDS,
    query,
  });
  return await (target.fetch ?? fetch)(url, {
    method,
    body: init.body,
    headers: init.headers,
    signal: AbortSignal.timeout(target.timeoutMs),
  });
}

async function expectOk(res: Response, step: string): Promise<string> {
  const text = await res.text();
  // S3 may answer 200 with an <Error> body to CompleteMultipartUpload.
  if (!res.ok || /<Error>/.test(text)) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? "";
    throw new Error(`STORAGE_FAILED: ${step} answered HTTP ${res.status}${code ? ` ${code}` : ""}`);
  }
  return text;
}

/** What `uploadStream` checks on the way; any failed check aborts the upload (nothing is stored). */
export interface UploadChecks {
  /** The first 4 bytes are acceptable (e.g. the Ogg capture pattern). */
  isValidHead?: (head: Uint8Array) => boolean;
  /** Exactly this many bytes must arrive (the answer's Content-Length). */
  expectedBytes?: number;
  /** More bytes than this abort the read at once (an endless or oversized body). */
  maxBytes?: number;
  /** Sees every byte in order while it streams; throws to refuse the body. */
  inspect?: { push(bytes: Uint8Array): void };
  /** Runs after the last byte, before the object is completed; throws to refuse the body. */
  beforeComplete?: () => void;
}

/**
 * Uploads `body` to `target.key`, checking on the way (`checks`) that it is what it should be; the
 * object only exists once every check passed.
 */
export async function uploadStream(
  body: ReadableStream<Uint8Array>,
  target: MultipartTarget,
  checks: UploadChecks,
): Promise<UploadedObject> {
  const created = await expectOk(await signedFetch(target, "POST", { uploads: "" }), "CreateMultipartUpload");
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
  if (uploadId === undefined) throw new Error("STORAGE_FAILED: CreateMultipartUpload returned no UploadId");

  const etags: string[] = [];
  // The part buffer. A BYOB read transfers it into the stream and hands it back, so it is re-taken from
  // each read's result; no chunk is allocated per read, so the garbage does not grow with the body.
  let buffer = target.partBuffers?.take() ?? new ArrayBuffer(target.partBytes);
  let filled = 0;
  let sizeBytes = 0;
  let headChecked = false;
  const reader = byteReader(body);

  const putPart = async () => {
    const partNumber = etags.length + 1;
    const res = await signedFetch(
      target,
      "PUT",
      { partNumber: String(partNumber), uploadId },
      // A view of the reused buffer, sent without the copy fetch would make (in-place-body.ts); S3 has
      // read all of it when the response arrives, so refilling the buffer after the await is safe.
      { body: inPlaceBody(new Uint8Array(buffer, 0, filled)) },
    );
    await expectOk(res, `UploadPart ${partNumber}`);
    const etag = res.headers.get("etag");
    if (etag === null) throw new Error(`STORAGE_FAILED: UploadPart ${partNumber} returned no ETag`);
    etags.push(etag);
    filled = 0;
  };

  try {
    for (;;) {
      let result: { filled: Uint8Array<ArrayBuffer>; done: boolean };
      try {
        result = await reader.read(new Uint8Array(buffer, filled, buffer.byteLength - filled));
      } catch (error) {
        // A timeout stays a timeout; anything else cutting the body short is a truncated answer.
        if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
          throw error;
        }
        throw new BadAudioError("TRUNCATED", `the body broke off after ${sizeBytes} bytes`);
      }
      buffer = result.filled.buffer;
      filled += result.filled.byteLength;
      sizeBytes += result.filled.byteLength;
      if (checks.maxBytes !== undefined && sizeBytes > checks.maxBytes) {
        throw new BadAudioError("TOO_LARGE", `the body passed the window's cap of ${checks.maxBytes} bytes`);
      }
      checks.inspect?.push(result.filled);
      // Parts are ≥ 5 MiB, so the first 4 bytes are still in the buffer when they arrive.
      if (!headChecked && sizeBytes >= 4) {
        headChecked = true;
        if (checks.isValidHead !== undefined && !checks.isValidHead(new Uint8Array(buffer, 0, 4))) {
          throw new BadAudioError("NOT_OGG", "the body does not start with the Ogg capture pattern");
        }
      }
      if (filled === buffer.byteLength) await putPart();
      if (result.done) break;
    }
    if (sizeBytes === 0) throw new BadAudioError("EMPTY_BODY", "upstream sent 200 with no bytes");
    if (!headChecked) throw new BadAudioError("NOT_OGG", `only ${sizeBytes} bytes, not an Ogg stream`);
    if (checks.expectedBytes !== undefined && sizeBytes !== checks.expectedBytes) {
      throw new BadAudioError(
        "TRUNCATED",
        `received ${sizeBytes} of ${checks.expectedBytes} announced bytes`,
      );
    }
    checks.beforeComplete?.();
    if (filled > 0) await putPart();
    const xml = `<CompleteMultipartUpload>${etags
      .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
      .join("")}</CompleteMultipartUpload>`;
    await expectOk(
      await signedFetch(
        target,
        "POST",
        { uploadId },
        { body: xml, headers: { "content-type": "application/xml" } },
      ),
      "CompleteMultipartUpload",
    );
  } catch (error) {
    await reader.cancel().catch(() => {});
    await signedFetch(target, "DELETE", { uploadId })
      .then((res) => res.body?.cancel())
      .catch(() => {});
    throw error;
  }
  // Every part was answered and the object is complete: nothing holds the buffer any more.
  target.partBuffers?.give(buffer);
  return { sizeBytes, parts: etags.length };
}

interface ByteReader {
  /**
   * Reads the next bytes into the start of `view`. `filled` is the part of it that was written; its
   * buffer replaces `view.buffer` (a BYOB read transfers it). `done` means the body has ended.
   */
  read(view: Uint8Array<ArrayBuffer>): Promise<{ filled: Uint8Array<ArrayBuffer>; done: boolean }>;
  cancel(): Promise<void>;
}

/** A BYOB reader when the body is a byte stream (fetch bodies in Deno are), else a copying one. */
function byteReader(body: ReadableStream<Uint8Array>): ByteReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    byob = undefined;
  }
  if (byob !== undefined) {
    const reader = byob;
    return {
      async read(view) {
        const { done, value } = await reader.read(view);
        if (value === undefined) throw new Error("the body was cancelled");
        return { filled: value, done };
      },
      cancel: () => reader.cancel(),
    };
  }
  const reader = body.getReader();
  let pending: Uint8Array | undefined;
  return {
    async read(view) {
      if (pending === undefined || pending.byteLength === 0) {
        const { done, value } = await reader.read();
        if (done) return { filled: view.subarray(0, 0), done: true };
        pending = value;
      }
      const n = Math.min(pending.byteLength, view.byteLength);
      view.set(pending.subarray(0, n));
      pending = pending.subarray(n);
      return { filled: view.subarray(0, n), done: false };
    },
    cancel: () => reader.cancel(),
  };
}

/** Size of the stored object (HEAD), or undefined when it does not exist. */
export async function storedSize(target: MultipartTarget): Promise<number | undefined> {
  const res = await signedFetch(target, "HEAD", {});
  await res.body?.cancel();
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`STORAGE_FAILED: HEAD answered HTTP ${res.status}`);
  return Number(res.headers.get("content-length"));
}

/** Deletes the object; an object that is already gone counts as deleted. */
export async function deleteObject(target: MultipartTarget): Promise<void> {
  const res = await signedFetch(target, "DELETE", {});
  await res.body?.cancel();
  if (!res.ok && res.status !== 404) throw new Error(`STORAGE_FAILED: DELETE answered HTTP ${res.status}`);
}
