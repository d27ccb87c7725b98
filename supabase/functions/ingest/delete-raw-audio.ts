/**
 * @module
 * Raw-audio retention: a claimed `delete` job removes its recording's object from the recordings
 * bucket, then `queue.complete_audio_deletion` marks the row (events, clips and the row stay). A storage
 * error is a retryable failure; an object already gone counts as deleted.
 */
import type { Sql } from "../_shared/db.ts";
import type { S3Credentials } from "../_shared/generated/s3/presign-v4.ts";
import { deleteObject } from "./s3-multipart.ts";

export interface ClaimedDeletion {
  job_id: string;
  lease_token: string;
  object_key: string;
}

export async function deleteRawAudio(
  job: ClaimedDeletion,
  ctx: { sql: Sql; s3: S3Credentials; bucket: string; storageTimeoutMs: number; fetch?: typeof fetch },
): Promise<boolean> {
  try {
    await deleteObject({
      s3: ctx.s3,
      bucket: ctx.bucket,
      key: job.object_key,
      partBytes: 0,
      timeoutMs: ctx.storageTimeoutMs,
      ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await ctx.sql`select queue.fail(${job.job_id}::bigint, ${job.lease_token}::uuid, ${message}, true)`;
    return false;
  }
  await ctx.sql`select queue.complete_audio_deletion(${job.job_id}::bigint, ${job.lease_token}::uuid)`;
  return true;
}
