import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { presignS3ListUrl, presignS3Url } from "./presign-v4.ts";

const credentials = {
  endpoint: "https://abcdefghij.storage.supabase.co/storage/v1/s3",
  region: "eu-central-1",
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const now = new Date("2026-11-28T14:02:03Z");

/** S3 path encoding, written independently of the module under test. */
const encodePath = (path: string) =>
  path
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");

/** The hash constructor SignatureV4 wants, on node:crypto. */
class Sha256 {
  #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key =
      typeof secret === "string" || secret === undefined ? secret : new Uint8Array(secret as ArrayBuffer);
    this.#hash = key === undefined ? createHash("sha256") : createHmac("sha256", key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {}
}

/** The AWS SDK's presigned query for the same request, signed as S3's presigner signs it. */
async function referenceQuery(
  method: string,
  key: string,
  extraHeaders: Record<string, string> = {},
  { path = encodePath(`/storage/v1/s3/recordings/${key}`), query = {}, expiresIn = 900 } = {} as {
    path?: string;
    query?: Record<string, string>;
    expiresIn?: number;
  },
): Promise<Record<string, unknown> | undefined> {
  const signer = new SignatureV4({
    service: "s3",
    region: credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Sha256,
    // As the S3 client: the path arrives encoded once and is not encoded again.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const reference = await signer.presign(
    {
      method,
      protocol: "https:",
      hostname: "abcdefghij.storage.supabase.co",
      path,
      query: { ...query },
      // As S3's presigner: the payload is unsigned, and the header says so without being signed or hoisted.
      headers: {
        host: "abcdefghij.storage.supabase.co",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        ...extraHeaders,
      },
    },
    {
      signingDate: now,
      expiresIn,
      unsignableHeaders: new Set(["x-amz-content-sha256"]),
      unhoistableHeaders: new Set(["x-amz-content-sha256"]),
    },
  );
  return reference.query;
}

describe("presignS3Url", () => {
  it.each([
    ["GET", "user-1/2026-11-27/rec 1.ogg"],
    ["PUT", "ünïcode/ключ/a+b=c.wav"],
    ["HEAD", "user-1/2026-11-27/0b7c.ogg"],
    ["GET", "odd/it's (1)*!%.ogg"],
    ["DELETE", "user-1/rec/480.wav"],
  ] as const)("signs %s %s exactly as the AWS SDK's SigV4 signer does", async (method, key) => {
    const url = new URL(
      await presignS3Url(credentials, { method, bucket: "recordings", key, expiresInSeconds: 900, now }),
    );
    const reference = await referenceQuery(method, key);
    expect(url.searchParams.get("X-Amz-Credential")).toBe(reference?.["X-Amz-Credential"]);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-Signature")).toBe(reference?.["X-Amz-Signature"]);
    expect(url.pathname).toBe(encodePath(`/storage/v1/s3/recordings/${key}`));
  });

  it("signs a ListObjectsV2 page (prefix, continuation token) as the AWS SDK does", async () => {
    const url = new URL(
      await presignS3ListUrl(credentials, {
        bucket: "clips",
        prefix: "user 1/",
        continuationToken: "a+b/c=",
        expiresInSeconds: 60,
        now,
      }),
    );
    const reference = await referenceQuery(
      "GET",
      "",
      {},
      {
        path: "/storage/v1/s3/clips",
        query: { "list-type": "2", prefix: "user 1/", "continuation-token": "a+b/c=" },
        expiresIn: 60,
      },
    );
    expect(url.pathname).toBe("/storage/v1/s3/clips");
    expect(url.searchParams.get("prefix")).toBe("user 1/");
    expect(url.searchParams.get("continuation-token")).toBe("a+b/c=");
    expect(url.searchParams.get("X-Amz-Signature")).toBe(reference?.["X-Amz-Signature"]);
    await expect(
      presignS3ListUrl(credentials, { bucket: "clips", prefix: "", expiresInSeconds: 60 }),
    ).rejects.toThrow(/prefix/);
  });

  it.each([
    ["DELETE", "user-1/2026-11-27/0b7c.ogg", {}],
    ["POST", "u/limitless-1-2.ogg", { uploads: "" }],
    ["PUT", "u/limitless-1-2.ogg", { partNumber: "2", uploadId: "a/b+c=" }],
    ["POST", "u/limitless-1-2.ogg", { uploadId: "a/b+c=" }],
  ] as const)(
    "signs multipart and delete requests (%s %s %j) as the AWS SDK does",
    async (method, key, query) => {
      const url = new URL(
        await presignS3Url(credentials, {
          method,
          bucket: "recordings",
          key,
          expiresInSeconds: 900,
          now,
          query: { ...query },
        }),
      );
      const reference = await referenceQuery(method, key, {}, { query: { ...query } });
      expect(url.searchParams.get("X-Amz-Signature")).toBe(reference?.["X-Amz-Signature"]);
      for (const [name, value] of Object.entries(query)) expect(url.searchParams.get(name)).toBe(value);
    },
  );

  it("signs the headers it is given (an upload's type and length) as the AWS SDK does", async () => {
    const key = "user-1/2026-11-27/0b7c.ogg";
    const presignUpload = async (signedHeaders: Record<string, string>) =>
      new URL(
        await presignS3Url(credentials, {
          method: "PUT",
          bucket: "recordings",
          key,
          expiresInSeconds: 900,
          now,
          signedHeaders,
        }),
      );
    const url = await presignUpload({ "Content-Type": "audio/ogg", "content-length": "86400000" });
    const reference = await referenceQuery("PUT", key, {
      "content-type": "audio/ogg",
      "content-length": "86400000",
    });
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host");
    expect(reference?.["X-Amz-SignedHeaders"]).toBe("content-length;content-type;host");
    expect(url.searchParams.get("X-Amz-Signature")).toBe(reference?.["X-Amz-Signature"]);
    // A different length is a different signature: the store refuses a body of another size.
    const other = await presignUpload({ "content-type": "audio/ogg", "content-length": "86400001" });
    expect(other.searchParams.get("X-Amz-Signature")).not.toBe(url.searchParams.get("X-Amz-Signature"));
  });

  it("rejects expiries SigV4 does not allow, and bad keys", async () => {
    const base = { method: "GET", bucket: "b", key: "k", now } as const;
    await expect(presignS3Url(credentials, { ...base, expiresInSeconds: 0 })).rejects.toThrow(
      /expiresInSeconds/,
    );
    await expect(presignS3Url(credentials, { ...base, expiresInSeconds: 8 * 86400 })).rejects.toThrow(
      /expiresInSeconds/,
    );
    // Empty, "." and ".." segments: a stored key must not climb out of its <user>/<recording>/ prefix.
    for (const key of ["/abs", "u/../other-user/clip.wav", "u/./c.wav", "u//c.wav", "..", "u/"]) {
      await expect(presignS3Url(credentials, { ...base, key, expiresInSeconds: 60 })).rejects.toThrow(
        /object key/,
      );
    }
    await expect(
      presignS3Url(credentials, { ...base, expiresInSeconds: 60, signedHeaders: { Host: "evil.example" } }),
    ).rejects.toThrow(/host/);
  });
});
