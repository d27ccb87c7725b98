/**
 * @module
 * S3 settings shared by the functions that presign storage URLs (Supabase Storage's S3 protocol in
 * production: Project Settings → Storage → S3 access keys; s3rver in tests).
 *
 * @example
 * ```ts
 * const config = parseEnv(z.object({ ...s3EnvShape }));
 * const url = await presignS3Url(s3Credentials(config), { method: "GET", bucket: config.RECORDINGS_BUCKET, key, expiresInSeconds: 300 });
 * ```
 */
import { z } from "zod";
import type { S3Credentials } from "./generated/s3/presign-v4.ts";

const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a bucket name (lower-case letters, digits, . and -)");

/** Spread into a function's env schema. */
export const s3EnvShape = {
  /** e.g. `https://<ref>.storage.supabase.co/storage/v1/s3` */
  STORAGE_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  STORAGE_S3_REGION: z.string({ error: "is required" }).min(1),
  STORAGE_S3_ACCESS_KEY_ID: z.string({ error: "is required" }).min(1),
  STORAGE_S3_SECRET_ACCESS_KEY: z.string({ error: "is required" }).min(1),
  RECORDINGS_BUCKET: bucketName.default("recordings"),
  CLIPS_BUCKET: bucketName.default("clips"),
};

export interface S3Env {
  STORAGE_S3_ENDPOINT: string;
  STORAGE_S3_REGION: string;
  STORAGE_S3_ACCESS_KEY_ID: string;
  STORAGE_S3_SECRET_ACCESS_KEY: string;
}

export function s3Credentials(env: S3Env): S3Credentials {
  return {
    endpoint: env.STORAGE_S3_ENDPOINT,
    region: env.STORAGE_S3_REGION,
    accessKeyId: env.STORAGE_S3_ACCESS_KEY_ID,
    secretAccessKey: env.STORAGE_S3_SECRET_ACCESS_KEY,
  };
}
