/**
 * @module
 * A throwaway S3 endpoint for tests and the local stack: s3rver on a free port, data in a temp dir,
 * the project's buckets created. s3rver does not verify signatures, so tests that rely on signing
 * check the URLs' shape, not their rejection.
 *
 * s3rver's file store removes a deleted object's emptied folders after the unlink, and two DELETEs in the
 * same folder at once both try to remove it: the second fails with ENOENT and s3rver answers 500 (a
 * refused ingest download was seen logging `STORAGE_FAILED: DELETE answered HTTP 500` when two windows of
 * one user were refused together). S3 never fails a DELETE that way, so `startS3` runs s3rver's deletions
 * one at a time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
// s3rver ships no types.
// @ts-expect-error -- no declaration file for s3rver
import S3rver from "s3rver";
import { freePort } from "./free-port.ts";

/** Bucket names used everywhere (Supabase Storage buckets in production). */
export const BUCKETS = Object.freeze({ recordings: "recordings", clips: "clips" });

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  buckets: typeof BUCKETS;
  /** A path-style client for this endpoint. */
  client: S3Client;
  stop(): Promise<void>;
}

const BROWSER_CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** Starts s3rver with the `recordings` and `clips` buckets. */
export async function startS3(options: { port?: number; directory?: string } = {}): Promise<S3Endpoint> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "giggles-s3-")));
  const port = options.port ?? (await freePort());
  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory,
    // The page PUTs recordings and plays clips straight from storage (presigned URLs), from another
    // origin: allow it, as a project's Storage does.
    configureBuckets: Object.values(BUCKETS).map((name) => ({ name, configs: [BROWSER_CORS] })),
  });
  serializeDeletes(server.store);
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts the well-known S3RVER credentials; they are test-only.
  const accessKeyId = "S3RVER";
  const secretAccessKey = "S3RVER";
  const region = "us-east-1";
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    buckets: BUCKETS,
    client,
    async stop() {
      client.destroy();
      await server.close();
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Makes s3rver's `store.deleteObject(bucket, key)` run one call at a time (see the module comment): its
 * folder clean-up (readdir, then rmdir while empty) is not safe against a concurrent delete in the same
 * folder.
 */
function serializeDeletes(store: { deleteObject(bucket: string, key: string): Promise<void> }): void {
  const deleteObject = store.deleteObject.bind(store);
  let previous: Promise<unknown> = Promise.resolve();
  store.deleteObject = (bucket, key) => {
    const next = previous.then(() => deleteObject(bucket, key));
    previous = next.catch(() => {});
    return next;
  };
}

/** The Storage S3 variables the Edge Functions read (supabase/README.md), pointed at `s3`. */
export function storageEnv(s3: S3Endpoint): Record<string, string> {
  return {
    STORAGE_S3_ENDPOINT: s3.endpoint,
    STORAGE_S3_REGION: s3.region,
    STORAGE_S3_ACCESS_KEY_ID: s3.accessKeyId,
    STORAGE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    RECORDINGS_BUCKET: s3.buckets.recordings,
    CLIPS_BUCKET: s3.buckets.clips,
  };
}

/** The clip-storage variables the inference node reads (inference-node/src/config), pointed at `s3`. */
export function clipsEnv(s3: S3Endpoint): Record<string, string> {
  return {
    CLIPS_S3_ENDPOINT: s3.endpoint,
    CLIPS_S3_REGION: s3.region,
    CLIPS_S3_ACCESS_KEY_ID: s3.accessKeyId,
    CLIPS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    CLIPS_BUCKET: s3.buckets.clips,
  };
}
