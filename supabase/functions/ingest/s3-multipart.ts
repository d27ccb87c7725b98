/**
 * @module
 * Streams a response body into one S3 object with a multipart upload through presigned URLs
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload; AbortMultipartUpload on any failure).
 * Memory stays bounded by one part buffer however long the body is: bytes are copied into a reused
 * buffer of `partBytes`, which is PUT when full and then refilled. Supabase Storage's S3 protocol and
 * s3rver both speak this.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
 */
import { presignS3Url, type S3Credentials } from "../_shared/generated/s3/presign-v4.ts";

export interface MultipartTarget {
  s3: S3Credentials;
  bucket: string;
  key: string;
  /** Bytes per part (≥ 5 MiB, S3's minimum for every part but the last). */
  partBytes: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface UploadedObject {
  sizeBytes: number;
  parts: number;
}

/** Thrown for content that must not be stored (empty, not Ogg, shorter than announced). */
export class BadAudioError extends Error {
  constructor(
    readonly code: "EMPTY_BODY" | "NOT_OGG" | "TRUNCATED",
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "BadAudioError";
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

/**
 * Uploads `body` to `target.key`, checking on the way that it starts with `isValidHead` (first 4 bytes)
 * and, when `expectedBytes` is known, that exactly that many bytes arrived.
 */
export async function uploadStream(
  body: ReadableStream<Uint8Array>,
  target: MultipartTarget,
  checks: { isValidHead: (head: Uint8Array) => boolean; expectedBytes?: number },
): Promise<UploadedObject> {
  const created = await expectOk(await signedFetch(target, "POST", { uploads: "" }), "CreateMultipartUpload");
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
  if (uploadId === undefined) throw new Error("STORAGE_FAILED: CreateMultipartUpload returned no UploadId");

  const etags: string[] = [];
  const buffer = new Uint8Array(target.partBytes);
  let filled = 0;
  let sizeBytes = 0;
  let headChecked = false;

  const putPart = async () => {
    const partNumber = etags.length + 1;
    const res = await signedFetch(
      target,
      "PUT",
      { partNumber: String(partNumber), uploadId },
      // A view of the reused buffer: fetch has sent it when the await returns.
      { body: buffer.subarray(0, filled) },
    );
    await expectOk(res, `UploadPart ${partNumber}`);
    const etag = res.headers.get("etag");
    if (etag === null) throw new Error(`STORAGE_FAILED: UploadPart ${partNumber} returned no ETag`);
    etags.push(etag);
    filled = 0;
  };

  try {
    const reader = body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        // A timeout stays a timeout; anything else cutting the body short is a truncated answer.
        if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
          throw error;
        }
        throw new BadAudioError("TRUNCATED", `the body broke off after ${sizeBytes} bytes`);
      }
      const { done, value } = chunk;
      if (done) break;
      let offset = 0;
      while (offset < value.byteLength) {
        const n = Math.min(value.byteLength - offset, buffer.byteLength - filled);
        buffer.set(value.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (!headChecked && sizeBytes + offset >= 4) {
          headChecked = true;
          if (!checks.isValidHead(buffer.subarray(0, 4))) {
            throw new BadAudioError("NOT_OGG", "the body does not start with the Ogg capture pattern");
          }
        }
        if (filled === buffer.byteLength) await putPart();
      }
      sizeBytes += value.byteLength;
    }
    if (sizeBytes === 0) throw new BadAudioError("EMPTY_BODY", "upstream sent 200 with no bytes");
    if (!headChecked) throw new BadAudioError("NOT_OGG", `only ${sizeBytes} bytes, not an Ogg stream`);
    if (checks.expectedBytes !== undefined && sizeBytes !== checks.expectedBytes) {
      throw new BadAudioError(
        "TRUNCATED",
        `received ${sizeBytes} of ${checks.expectedBytes} announced bytes`,
      );
    }
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
    await body.cancel().catch(() => {});
    await signedFetch(target, "DELETE", { uploadId })
      .then((res) => res.body?.cancel())
      .catch(() => {});
    throw error;
  }
  return { sizeBytes, parts: etags.length };
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
