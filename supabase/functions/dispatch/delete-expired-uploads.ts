/**
 * @module
 * Deletes the objects of expired uploads (recordings registered but never confirmed, removed by the
 * hourly `queue.expire_uploads()`) and the clips of jobs whose recording was deleted while they ran
 * (`queue.discard_clips`), a few per dispatch run: `queue.take_upload_deletions` leases them with their
 * bucket, a presigned DELETE removes each (S3 answers 204 whether or not the object exists, so a retry
 * is harmless), `queue.finish_upload_deletion` forgets it or records the error for a later run.
 */
import type { Sql } from "../_shared/db.ts";
import { presignS3Url, type S3Credentials } from "../_shared/generated/s3/presign-v4.ts";

export interface DeleteExpiredUploadsContext {
  sql: Sql;
  s3: S3Credentials;
  recordingsBucket: string;
  clipsBucket: string;
  /** At most this many objects per run. */
  maxCount: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface DeletedUploads {
  deleted: number;
  failed: number;
}

/**
 * @example
 * ```ts
 * const { deleted, failed } = await deleteExpiredUploads({ sql, s3, recordingsBucket: "recordings", clipsBucket: "clips", maxCount: 20, timeoutMs: 10_000 });
 * ```
 */
export async function deleteExpiredUploads(ctx: DeleteExpiredUploadsContext): Promise<DeletedUploads> {
  const doFetch = ctx.fetch ?? fetch;
  const due = await ctx.sql<{ deletion_id: string; bucket: "recordings" | "clips"; object_key: string }[]>`
    select deletion_id::text, bucket, object_key from queue.take_upload_deletions(${ctx.maxCount})`;
  const result: DeletedUploads = { deleted: 0, failed: 0 };
  for (const { deletion_id, bucket, object_key } of due) {
    let error: string | null = null;
    try {
      const url = await presignS3Url(ctx.s3, {
        method: "DELETE",
        bucket: bucket === "clips" ? ctx.clipsBucket : ctx.recordingsBucket,
        key: object_key,
        expiresInSeconds: 60,
      });
      const res = await doFetch(url, { method: "DELETE", signal: AbortSignal.timeout(ctx.timeoutMs) });
      await res.body?.cancel();
      if (!res.ok && res.status !== 404) error = `storage DELETE answered HTTP ${res.status}`;
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    await ctx.sql`select queue.finish_upload_deletion(${deletion_id}::bigint, ${error})`;
    if (error === null) result.deleted++;
    else result.failed++;
  }
  return result;
}
