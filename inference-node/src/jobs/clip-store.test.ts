import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../config/config.ts";
import { createS3ClipStore } from "./clip-store.ts";

/** What an S3-compatible store received: method, path, headers and body length of each request. */
interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

describe("createS3ClipStore", () => {
  const received: Received[] = [];
  // Records the request and answers as S3 does to a successful PUT. s3rver would accept the SDK's
  // checksum headers too; the point here is what goes over the wire.
  const server = createServer((request, response) => {
    let bodyBytes = 0;
    request.on("data", (chunk: Buffer) => {
      bodyBytes += chunk.byteLength;
    });
    request.on("end", () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, bodyBytes });
      response.writeHead(200, { etag: '"0"' }).end();
    });
  });
  let endpoint = "";
  beforeAll(async () => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => server.close());

  it("PUTs a clip with its length and type and without the SDK's default CRC32 checksum", async () => {
    const store = createS3ClipStore(
      parseConfig({
        NODE_ID: "node-1",
        INFER_SIGNING_SECRET: "i".repeat(32),
        REPORT_SIGNING_SECRET: "r".repeat(32),
        CLIPS_S3_ENDPOINT: endpoint,
        CLIPS_S3_REGION: "eu-central-1",
        CLIPS_S3_ACCESS_KEY_ID: "key",
        CLIPS_S3_SECRET_ACCESS_KEY: "secret",
        CLIPS_BUCKET: "clips",
      }),
    );
    const wav = new Uint8Array(1000).fill(7);
    await store.put("user-1/rec-1/960.wav", wav);
    store.close();

    expect(received).toHaveLength(1);
    const [put] = received;
    expect(put).toMatchObject({
      method: "PUT",
      url: "/clips/user-1/rec-1/960.wav?x-id=PutObject",
      bodyBytes: 1000,
    });
    expect(put?.headers["content-length"]).toBe("1000");
    expect(put?.headers["content-type"]).toBe("audio/wav");
    const checksumHeaders = Object.keys(put?.headers ?? {}).filter(
      (name) => name.startsWith("x-amz-checksum-") || name === "x-amz-sdk-checksum-algorithm",
    );
    expect(checksumHeaders).toEqual([]);
    // Not aws-chunked either (that is how the SDK sends a trailing checksum).
    expect(put?.headers["content-encoding"]).toBeUndefined();
    expect(put?.headers["x-amz-trailer"]).toBeUndefined();
  });
});
