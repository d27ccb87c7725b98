/**
 * @module
 * Applies one node report to the queue: `queue.start` for a started notice, `queue.complete` for a
 * completed job, `queue.fail` for a failed one. Never throws for the queue's own refusals: each outcome
 * becomes a per-item result.
 *
 * - A stale lease (GQ002), a deleted job (GQ001), a failure reported for a job already done (GQ004):
 *   harmless, reported per item, nothing changes. Except storage: the clips a completed report names
 *   for a deleted job (the user deleted everything while it ran) are queued for deletion
 *   (`queue.discard_clips`, only keys of recordings that no longer exist).
 * - The same completed report twice: `queue.complete` is idempotent per lease and returns the stored
 *   outcome, so the answer is the same and no row is written.
 * - Events the database refuses (bad offsets, two events at one start, …): the job is failed
 *   permanently (`retryable = false`), as supabase/README.md advises for a payload error; rerunning the
 *   same audio through the same model would produce the same payload.
 */

import type {
  CompletedReport,
  FailedReport,
  JobStats,
  ReportedEvent,
  ReportItem,
  StartedNotice,
} from "../_shared/generated/schemas/job-report.ts";
import { type Sql, sqlMessage, sqlState } from "../_shared/sql.ts";

export interface CompletedItem {
  jobId: string;
  jobStatus: "done";
  modelVersion: string;
  eventsInserted: number;
  eventsReplaced: number;
}

export type FailedItemCode =
  /** The node reported a failure; it was recorded (jobStatus says whether it will be retried). */
  | "REPORTED_FAILURE"
  /** GQ002: a newer claim, release, reap or reprocess superseded this lease; the report was dropped. */
  | "LEASE_MISMATCH"
  /** GQ001: the job (its recording) no longer exists. */
  | "JOB_NOT_FOUND"
  /** GQ004: a failure was reported for a job that is already done; ignored. */
  | "JOB_ALREADY_DONE"
  /** The events were refused by the database; the job was failed permanently. */
  | "INVALID_REPORT"
  /** Anything else; the job keeps its lease and the reaper retries it. */
  | "INTERNAL";

export interface FailedItem {
  jobId: string;
  /** The job's state after this report, when known. */
  jobStatus?: "queued" | "dead" | "done" | "processing";
  error: { code: FailedItemCode; message: string };
}

export interface StartedItem {
  jobId: string;
  startedAt: string;
}

export type ItemResult =
  | { ok: true; item: CompletedItem }
  | { ok: true; started: StartedItem }
  | { ok: false; item: FailedItem };

/** SQLSTATEs `queue.complete` raises for a payload the database will never accept. */
const PAYLOAD_ERRORS = new Set(["22023", "23502", "23505", "23514", "22P02", "22003", "22008"]);

/** engine event (camelCase) → the row shape `queue.complete` reads (snake_case). */
export function toSqlEvent(event: ReportedEvent) {
  return {
    start_offset_ms: event.startMs,
    end_offset_ms: event.endMs,
    peak_probability: event.peakProbability,
    mean_probability: event.meanProbability,
    class_id: event.classId,
    class_name: event.className,
    clip_object_key: event.clipKey,
  };
}

/** node stats (camelCase) → `run_stats` keys of `queue.complete` / `queue.fail`. */
export function toRunStats(stats: JobStats | undefined) {
  if (stats === undefined) return {};
  return {
    node_id: stats.nodeId,
    audio_seconds: stats.audioSeconds,
    wall_ms: Math.round(stats.wallMs),
    real_time_factor: stats.realTimeFactor,
    peak_rss_bytes: stats.peakRssBytes,
  };
}

/**
 * Truncation and corruption notices → the `decode_warning` run_stats key `queue.complete` stores on the
 * recording. It starts with its kind, `truncated` or `corrupt` (`recordings.decode_warning_kind` reads it);
 * a recording both cut and damaged names both, the cut first (issue 19 item 7).
 */
export function toDecodeWarning(report: CompletedReport): { decode_warning?: string } {
  const parts: string[] = [];
  if (report.truncated !== undefined) {
    const at = report.truncated.byteOffset === undefined ? "" : ` at byte ${report.truncated.byteOffset}`;
    parts.push(`truncated${at}: ${report.truncated.message}`);
  }
  if (report.corrupt !== undefined) {
    const at = report.corrupt.byteOffset === undefined ? "" : ` at byte ${report.corrupt.byteOffset}`;
    parts.push(
      `corrupt${at} (${report.corrupt.damagedParts} damaged part(s) skipped): ${report.corrupt.message}`,
    );
  }
  return parts.length === 0 ? {} : { decode_warning: parts.join("; ") };
}

export async function applyReport(sql: Sql, report: ReportItem): Promise<ItemResult> {
  try {
    switch (report.status) {
      case "started":
        return await start(sql, report);
      case "completed":
        return await complete(sql, report);
      case "failed":
        return await fail(sql, report);
    }
  } catch (error) {
    return { ok: false, item: refusal(report.jobId, error) };
  }
}

async function start(sql: Sql, notice: StartedNotice): Promise<ItemResult> {
  const [{ started_at }] = await sql<{ started_at: Date }[]>`
    select queue.start(${notice.jobId}::bigint, ${notice.leaseToken}::uuid) as started_at`;
  return { ok: true, started: { jobId: notice.jobId, startedAt: started_at.toISOString() } };
}

async function complete(sql: Sql, report: CompletedReport): Promise<ItemResult> {
  try {
    const [{ outcome }] = await sql<{ outcome: { events_inserted: number; events_replaced: number } }[]>`
      select queue.complete(${report.jobId}::bigint, ${report.leaseToken}::uuid,
                            ${sql.json(report.events.map(toSqlEvent))},
                            ${sql.json({ ...toRunStats(report.stats), ...toDecodeWarning(report) })},
                            ${report.modelVersion}) as outcome`;
    return {
      ok: true,
      item: {
        jobId: report.jobId,
        jobStatus: "done",
        modelVersion: report.modelVersion,
        eventsInserted: outcome.events_inserted,
        eventsReplaced: outcome.events_replaced,
      },
    };
  } catch (error) {
    const state = sqlState(error);
    if (state === "GQ001") {
      const clipKeys = report.events.map((event) => event.clipKey);
      if (clipKeys.length > 0) await sql`select queue.discard_clips(${clipKeys}::text[])`;
      throw error;
    }
    if (state === undefined || !PAYLOAD_ERRORS.has(state)) throw error;
    // complete() changed nothing and the lease is still ours: record a permanent failure.
    const message = `INVALID_REPORT: the database refused the events (${state}): ${sqlMessage(error)}`.slice(
      0,
      2000,
    );
    const [{ outcome }] = await sql<{ outcome: { status: "queued" | "dead" } }[]>`
      select queue.fail(${report.jobId}::bigint, ${report.leaseToken}::uuid, ${message}, false,
                        ${sql.json(toRunStats(report.stats))}) as outcome`;
    return {
      ok: false,
      item: { jobId: report.jobId, jobStatus: outcome.status, error: { code: "INVALID_REPORT", message } },
    };
  }
}

async function fail(sql: Sql, report: FailedReport): Promise<ItemResult> {
  const message = `${report.error.reason}: ${report.error.message}`;
  const [{ outcome }] = await sql<{ outcome: { status: "queued" | "dead" } }[]>`
    select queue.fail(${report.jobId}::bigint, ${report.leaseToken}::uuid, ${message},
                      ${report.error.retryable}, ${sql.json(toRunStats(report.stats))}) as outcome`;
  return {
    ok: false,
    item: {
      jobId: report.jobId,
      jobStatus: outcome.status,
      error: {
        code: "REPORTED_FAILURE",
        message:
          outcome.status === "queued"
            ? `recorded; retry scheduled (${message})`
            : `recorded; job is dead (${message})`,
      },
    },
  };
}

function refusal(jobId: string, error: unknown): FailedItem {
  switch (sqlState(error)) {
    case "GQ001":
      return {
        jobId,
        error: { code: "JOB_NOT_FOUND", message: "no such job (its recording was deleted); dropped" },
      };
    case "GQ002":
      return {
        jobId,
        error: {
          code: "LEASE_MISMATCH",
          message: "this lease was superseded (reclaimed, released or reprocessed); the report was dropped",
        },
      };
    case "GQ004":
      return {
        jobId,
        jobStatus: "done",
        error: {
          code: "JOB_ALREADY_DONE",
          message: "the job was already completed with this lease; ignored",
        },
      };
    default:
      console.error(
        JSON.stringify({
          level: "error",
          function: "report",
          event: "report_apply_failed",
          jobId,
          code: sqlState(error),
          message: sqlMessage(error),
        }),
      );
      return {
        jobId,
        jobStatus: "processing",
        error: {
          code: "INTERNAL",
          message: "could not apply the report; the lease will expire and the job be retried",
        },
      };
  }
}
