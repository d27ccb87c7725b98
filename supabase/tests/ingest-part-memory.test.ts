/**
 * The ingest function's part memory (functions/ingest): a part goes to `fetch` as a view of the reused
 * part buffer that `slice()` (Deno's fetch copies a typed-array body with it) hands back uncopied, and
 * a complete upload gives its buffer back to the isolate's pool for the next window. The figures are
 * `npm run bench:ingest`'s; this pins the mechanism.
 */
import { describe, expect, it } from "vitest";
import { inPlaceBody } from "../functions/ingest/in-place-body.ts";
import { PartBufferPool } from "../functions/ingest/part-buffer-pool.ts";
import { type MultipartTarget, uploadStream } from "../functions/ingest/s3-multipart.ts";

const PART_BYTES = 1024;

/** A byte stream (as Deno's fetch bodies are) serving `bytes` in chunks of `chunkBytes`. */
function byteStream(bytes: Uint8Array, chunkBytes: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const end = Math.min(offset + chunkBytes, bytes.byteLength);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  });
}

function oggBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 2654435761) >>> 24;
  bytes.set(new TextEncoder().encode("OggS"));
  return bytes;
}

interface SentPart {
  partNumber: number;
  bytes: Uint8Array;
  /** Whether `body.slice()` gave back the body's own memory rather than a copy. */
  sliceShares: boolean;
  freeWhileSending: number;
}

/** An S3 stand-in behind `fetch`: records each UploadPart's body as it is when sent. */
function fakeS3(pool: PartBufferPool, options: { failPart?: number } = {}) {
  const sent: SentPart[] = [];
  const fetchStub: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? "GET";
    if (method === "POST" && url.searchParams.has("uploads")) {
      return new Response(
        "<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>",
      );
    }
    if (method === "PUT") {
      const partNumber = Number(url.searchParams.get("partNumber"));
      if (!(init?.body instanceof Uint8Array)) throw new Error("UploadPart body is not a Uint8Array");
      const body: Uint8Array = init.body;
      // What Deno's fetch does with a typed-array body before sending it.
      const copy = body.slice();
      sent.push({
        partNumber,
        bytes: new Uint8Array(body),
        sliceShares: copy.buffer === body.buffer && copy.byteOffset === body.byteOffset,
        freeWhileSending: pool.freeCount,
      });
      if (partNumber === options.failPart)
        return new Response("<Error><Code>InternalError</Code></Error>", { status: 500 });
      return new Response("", { headers: { etag: `"etag-${partNumber}"` } });
    }
    return new Response("<CompleteMultipartUploadResult/>");
  };
  return { sent, fetch: fetchStub };
}

function target(pool: PartBufferPool, fetchStub: typeof fetch): MultipartTarget {
  return {
    s3: { endpoint: "http://s3.test", region: "local", accessKeyId: "id", secretAccessKey: "secret" },
    bucket: "recordings",
    key: "limitless/window.ogg",
    partBytes: PART_BYTES,
    partBuffers: pool,
    timeoutMs: 5000,
    fetch: fetchStub,
  };
}

const checks = { isValidHead: (head: Uint8Array) => new TextDecoder().decode(head) === "OggS" };

describe("inPlaceBody", () => {
  it("slice() of the body is the body itself: same memory, same bytes, nothing allocated", () => {
    const buffer = new ArrayBuffer(16);
    new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6]);
    const body = inPlaceBody(new Uint8Array(buffer, 2, 3));
    const copy = body.slice();
    expect(copy).toBe(body);
    expect(copy.buffer).toBe(buffer);
    expect([...copy]).toEqual([3, 4, 5]);
    // Partial slices and subarrays behave as usual.
    const part = body.slice(1);
    expect([...part]).toEqual([4, 5]);
    expect(part.buffer).not.toBe(buffer);
    const sub = body.subarray(1, 2);
    expect([...sub]).toEqual([4]);
    expect(sub.buffer).toBe(buffer);
    expect(sub.byteOffset).toBe(3);
    expect(body.byteLength).toBe(3);
  });
});

describe("uploadStream part memory", () => {
  it("sends each part as an uncopyable view of the one part buffer, byte-exact across parts", async () => {
    const pool = new PartBufferPool(PART_BYTES, 1);
    const s3 = fakeS3(pool);
    const bytes = oggBytes(2 * PART_BYTES + 321);
    const uploaded = await uploadStream(byteStream(bytes, 100), target(pool, s3.fetch), {
      ...checks,
      expectedBytes: bytes.byteLength,
    });
    expect(uploaded).toEqual({ sizeBytes: bytes.byteLength, parts: 3 });
    expect(s3.sent.map((p) => [p.partNumber, p.bytes.byteLength, p.sliceShares])).toEqual([
      [1, PART_BYTES, true],
      [2, PART_BYTES, true],
      [3, 321, true],
    ]);
    const joined = new Uint8Array(bytes.byteLength);
    let offset = 0;
    for (const part of s3.sent) {
      joined.set(part.bytes, offset);
      offset += part.bytes.byteLength;
    }
    expect(joined).toEqual(bytes);
  });

  it("a complete upload gives its buffer back for the next window; a failed one does not", async () => {
    const pool = new PartBufferPool(PART_BYTES, 1);
    const first = fakeS3(pool);
    await uploadStream(byteStream(oggBytes(PART_BYTES + 10), 64), target(pool, first.fetch), checks);
    expect(first.sent.map((p) => p.freeWhileSending)).toEqual([0, 0]);
    expect(pool.freeCount).toBe(1);

    // The next upload takes the kept buffer (none left free while it runs) and gives it back.
    const second = fakeS3(pool);
    await uploadStream(byteStream(oggBytes(PART_BYTES + 20), 64), target(pool, second.fetch), checks);
    expect(second.sent.map((p) => p.freeWhileSending)).toEqual([0, 0]);
    expect(pool.freeCount).toBe(1);

    // A failed part may leave the buffer held by a request: it is left to the garbage collector.
    const failing = fakeS3(pool, { failPart: 1 });
    await expect(
      uploadStream(byteStream(oggBytes(PART_BYTES + 30), 64), target(pool, failing.fetch), checks),
    ).rejects.toThrow(/STORAGE_FAILED: UploadPart 1 answered HTTP 500/);
    expect(pool.freeCount).toBe(0);
  });
});

describe("PartBufferPool", () => {
  it("keeps at most maxFree buffers of its size, each once", () => {
    const pool = new PartBufferPool(8, 2);
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    expect([a, b, c].map((buffer) => buffer.byteLength)).toEqual([8, 8, 8]);
    pool.give(a);
    pool.give(a);
    pool.give(new ArrayBuffer(4));
    expect(pool.freeCount).toBe(1);
    pool.give(b);
    pool.give(c);
    expect(pool.freeCount).toBe(2);
    expect(pool.take()).toBe(b);
  });
});
