/**
 * @module
 * Where laugh clips go: the clips bucket, through the S3 protocol (Supabase Storage's S3 endpoint in
 * production, s3rver in tests).
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { JOB_FAILURE_REASONS } from "../../../shared/schemas/job-report.ts";
import type { Config } from "../config/config.ts";
import { JobFailure } from "./job-failure.ts";
import { backoffDelayMs, sleep } from "./retry.ts";

/** The one operation the node needs from storage. */
export interface ClipStore {
  put(key: string, wav: Uint8Array, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * A path-style S3 client for the clips bucket; retries are ours (see {@link putClipWithRetries}).
 *
 * @example
 * ```ts
 * const store = createS3ClipStore(parseConfig(process.env));
 * await store.put("user-1/rec-1/960.wav", wavBytes);
 * ```
 */
export function createS3ClipStore(config: Config): ClipStore {
  const client = new S3Client({
    endpoint: config.CLIPS_S3_ENDPOINT,
    region: config.CLIPS_S3_REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: config.CLIPS_S3_ACCESS_KEY_ID,
      secretAccessKey: config.CLIPS_S3_SECRET_ACCESS_KEY,
    },
    // One attempt per call: putClipWithRetries owns the retry policy so that it can honour the job's
    // abort signal and log each retry with the jobId.
    maxAttempts: 1,
    // Checksums only where an operation requires them: by default the SDK adds x-amz-checksum-crc32 (and
    // x-amz-sdk-checksum-algorithm) to every PUT, which an S3-compatible store need not accept.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    async put(key, wav, signal) {
      await client.send(
        new PutObjectCommand({
          Bucket: config.CLIPS_BUCKET,
          Key: key,
          Body: wav,
          ContentType: "audio/wav",
          ContentLength: wav.byteLength,
        }),
        { abortSignal: signal },
      );
    },
    close() {
      client.destroy();
    },
  };
}

/**
 * Clip object key: `<clipKeyPrefix><startMs>.wav` (startMs rounded to an integer).
 *
 * @example
 * ```ts
 * clipKey("user-1/rec-1/", 960.4); // "user-1/rec-1/960.wav"
 * ```
 */
export function clipKey(clipKeyPrefix: string, startMs: number): string {
  return `${clipKeyPrefix}${Math.round(startMs)}.wav`;
}

/**
 * Puts one clip, retrying with backoff up to `attempts` times; then throws a retryable
 * `CLIP_UPLOAD_FAILED` (the whole job is retried: its clips are idempotent puts to the same keys).
 *
 * @example
 * ```ts
 * await putClipWithRetries(store, clipKey(prefix, clip.event.startMs), clip.wav, { attempts: 5, signal });
 * ```
 */
export async function putClipWithRetries(
  store: ClipStore,
  key: string,
  wav: Uint8Array,
  {
    attempts,
    signal,
    retryBaseDelayMs = 250,
    onRetry,
  }: {
    attempts: number;
    signal?: AbortSignal;
    retryBaseDelayMs?: number;
    onRetry?: (error: unknown) => void;
  },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.put(key, wav, signal);
      return;
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt + 1 >= attempts) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new JobFailure(
          JOB_FAILURE_REASONS.CLIP_UPLOAD_FAILED,
          true,
          `could not store clip ${key} after ${attempts} attempts: ${detail}`,
          { cause: error },
        );
      }
      onRetry?.(error);
      await sleep(backoffDelayMs(attempt, { baseDelayMs: retryBaseDelayMs, maxDelayMs: 5_000 }), signal);
    }
  }
}
