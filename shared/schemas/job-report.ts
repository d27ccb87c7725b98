/**
 * @module
 * Body of the signed callback an inference node POSTs to a job's `callbackUrl`: exactly one report per
 * accepted job, either `completed` (events + where their clips are) or `failed` (a classified error).
 *
 * Runtime-neutral (also parsed by Deno Edge Functions); `zod` is the one bare import.
 *
 * @example
 * ```ts
 * const body = JSON.stringify(jobReportBatchSchema.parse({ reports: [report] }));
 * await fetch(job.callbackUrl, { method: "POST", body, headers: await signRequest(reportSecret, { method: "POST", url: job.callbackUrl, body }) });
 * ```
 */
import { z } from "zod";
import { jobIdSchema } from "./job-id.ts";

/**
 * Failure codes the node emits today. The schema accepts any SCREAMING_SNAKE code so that a newer node
 * can add one without breaking an older receiver; receivers should branch on `retryable`, not the code.
 */
export const JOB_FAILURE_REASONS = Object.freeze({
  /** The engine could not decode the audio (corrupt, truncated, unsupported). Permanent. */
  UNDECODABLE_AUDIO: "UNDECODABLE_AUDIO",
  /** The audio URL answered 403/404/410 (expired presigned URL, deleted object). Permanent. */
  AUDIO_NOT_FOUND: "AUDIO_NOT_FOUND",
  /** The audio URL answered another 4xx (400, 401, 405, …): the request itself is wrong. Permanent. */
  AUDIO_FETCH_REJECTED: "AUDIO_FETCH_REJECTED",
  /** The stored object is not the one confirmed at upload (ETag differs, or 412 to If-Match). Permanent. */
  AUDIO_CHANGED: "AUDIO_CHANGED",
  /** The decoded audio ran well past the recording's declared duration; processing stopped. Permanent. */
  AUDIO_TOO_LONG: "AUDIO_TOO_LONG",
  /** Network errors, 408/429 or 5xx while fetching the audio, after bounded retries. Retryable. */
  AUDIO_FETCH_FAILED: "AUDIO_FETCH_FAILED",
  /** A clip could not be stored after retries. Retryable. */
  CLIP_UPLOAD_FAILED: "CLIP_UPLOAD_FAILED",
  /** The lease deadline came before processing finished. Retryable. */
  DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
  /** The node got SIGTERM while the job was queued or running. Retryable. */
  SHUTTING_DOWN: "SHUTTING_DOWN",
  /**
   * The engine failed on these bytes in a way that will recur on the same input (a bug met by this
   * recording): retrying cannot help, so it is permanent at the first attempt, with the error recorded.
   */
  ENGINE_FAILED: "ENGINE_FAILED",
  /** The inference worker died (crash, out of memory) and was replaced. Retryable. */
  INTERNAL: "INTERNAL",
} as const);
export type JobFailureReason = (typeof JOB_FAILURE_REASONS)[keyof typeof JOB_FAILURE_REASONS];

export const reportedEventSchema = z.object({
  /** ms from the start of the recording. */
  startMs: z.number().int().nonnegative(),
  endMs: z.number().int().nonnegative(),
  peakProbability: z.number().min(0).max(1),
  meanProbability: z.number().min(0).max(1),
  /** AudioSet class id (13–18, the laughter family). */
  classId: z.number().int().nonnegative(),
  className: z.string().min(1),
  /** Object key in the clips bucket (`<clipKeyPrefix><startMs>.wav`). */
  clipKey: z.string().min(1),
});

export const jobStatsSchema = z.object({
  /** Duration of the decoded audio (for failures: the part processed before the failure). */
  audioSeconds: z.number().nonnegative(),
  /** Wall-clock time from start of processing to the end (fetch + inference + uploads). */
  wallMs: z.number().nonnegative(),
  /** wall time ÷ audio time: 0.01 means 100× faster than real time; 0 when no audio was processed. */
  realTimeFactor: z.number().nonnegative(),
  /** Highest resident set size of the node process sampled while the job ran. */
  peakRssBytes: z.number().int().nonnegative(),
  nodeId: z.string().min(1),
});

const leaseFields = {
  jobId: jobIdSchema,
  leaseToken: z.uuid(),
};

export const completedReportSchema = z.object({
  ...leaseFields,
  status: z.literal("completed"),
  /** Engine model identity, e.g. `yamnet-onnx@<sha256 prefix>`. */
  modelVersion: z.string().min(1),
  events: z.array(reportedEventSchema),
  stats: jobStatsSchema,
  /**
   * Present when the recording was cut short (the input ended before the audio its header announced):
   * the events cover only `stats.audioSeconds`. The receiver stores the message on the recording.
   */
  truncated: z
    .object({
      message: z.string().max(500),
      /** Where the input ended, bytes from its start. */
      byteOffset: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /**
   * Present when damaged frames or pages were skipped (the bytes were all there, some could not be decoded):
   * the events cover the audio that decoded. Not `truncated`: reading the same object again brings the same
   * damage (issue 19 item 7). The receiver stores it on the recording.
   */
  corrupt: z
    .object({
      /** The first damage the decoder reported. */
      message: z.string().max(500),
      /** Where the first damage is, bytes from the start. */
      byteOffset: z.number().int().nonnegative().optional(),
      /** Damaged frames, pages or gaps skipped. */
      damagedParts: z.number().int().positive(),
    })
    .optional(),
});

export const failedReportSchema = z.object({
  ...leaseFields,
  status: z.literal("failed"),
  error: z.object({
    /** true: lease it again later; false: the input itself is bad, do not retry. */
    retryable: z.boolean(),
    reason: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be a SCREAMING_SNAKE code"),
    message: z.string().max(2000),
  }),
  stats: jobStatsSchema.optional(),
});

export const jobReportSchema = z.discriminatedUnion("status", [completedReportSchema, failedReportSchema]);

/**
 * Sent when the node begins a job (before fetching its audio). Until then the job only waits in the
 * node's queue, and a lease that expires unstarted (the node died) does not cost the job an attempt.
 */
export const startedNoticeSchema = z.object({
  ...leaseFields,
  status: z.literal("started"),
});

/** One item of a batch: a job's final report, or the notice that it started. */
export const reportItemSchema = z.discriminatedUnion("status", [
  completedReportSchema,
  failedReportSchema,
  startedNoticeSchema,
]);

export const jobReportBatchSchema = z.object({
  reports: z.array(reportItemSchema).min(1),
});

/**
 * Per-item codes of the receiver's answer (`failedJobs[].error.code`). `INTERNAL` means the item was
 * not stored (e.g. a database outage): the sender must send it again.
 */
export const REPORT_ITEM_CODES = Object.freeze({
  REPORTED_FAILURE: "REPORTED_FAILURE",
  LEASE_MISMATCH: "LEASE_MISMATCH",
  JOB_NOT_FOUND: "JOB_NOT_FOUND",
  JOB_ALREADY_DONE: "JOB_ALREADY_DONE",
  INVALID_REPORT: "INVALID_REPORT",
  INTERNAL: "INTERNAL",
} as const);

/**
 * The receiver's answer to a batch (207, or inside `error.details` of a 503 when an item was not
 * stored). Only what a sender needs to read; unknown keys are ignored.
 */
export const reportAnswerSchema = z.object({
  completedJobs: z.array(z.object({ jobId: jobIdSchema })),
  failedJobs: z.array(
    z.object({ jobId: jobIdSchema, error: z.object({ code: z.string(), message: z.string() }) }),
  ),
  startedJobs: z.array(z.object({ jobId: jobIdSchema })).optional(),
});

export type ReportedEvent = z.infer<typeof reportedEventSchema>;
export type JobStats = z.infer<typeof jobStatsSchema>;
export type CompletedReport = z.infer<typeof completedReportSchema>;
export type FailedReport = z.infer<typeof failedReportSchema>;
export type JobReport = z.infer<typeof jobReportSchema>;
export type StartedNotice = z.infer<typeof startedNoticeSchema>;
export type ReportItem = z.infer<typeof reportItemSchema>;
export type ReportAnswer = z.infer<typeof reportAnswerSchema>;
export type JobReportBatch = z.infer<typeof jobReportBatchSchema>;
