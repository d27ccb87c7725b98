/**
 * @module
 * One job, start to finish: stream the recording into the engine, store each clip as the engine
 * produces it, and turn the outcome into a report. Never throws: every path ends in exactly one
 * report (completed or failed), which the queue then delivers.
 */
import type { InferJob } from "../../../shared/schemas/infer-request.ts";
import {
  JOB_FAILURE_REASONS,
  type JobReport,
  type JobStats,
  type ReportedEvent,
} from "../../../shared/schemas/job-report.ts";
import { DamageTally } from "../audio/damage-tally.ts";
import type { Engine } from "../engine/types.ts";
import { streamAudio } from "./audio-stream.ts";
import { type ClipStore, clipKey, putClipWithRetries } from "./clip-store.ts";
import { classifyFailure, JobFailure, truncateMessage } from "./job-failure.ts";
import { type Logger, redactUrl } from "./logger.ts";

export interface ProcessJobDeps {
  engine: Engine;
  clipStore: ClipStore;
  logger: Logger;
  nodeId: string;
  audioFetchRetries: number;
  audioIdleTimeoutMs: number;
  clipUploadAttempts: number;
  /** Per-PUT timeout of a clip upload (default: `DEFAULT_PUT_TIMEOUT_MS` in clip-store.ts). */
  clipUploadTimeoutMs?: number;
  /** Base delay of every backoff in the job (tests shorten it). */
  retryBaseDelayMs?: number;
  rssBytes?: () => number;
  nowMs?: () => number;
}

/** How often the resident set size is sampled for `stats.peakRssBytes`. */
const RSS_SAMPLE_INTERVAL_MS = 250;
/** Decoded audio may run this much past the declared duration (clock drift, padding) before we stop. */
export const DURATION_OVERRUN_FACTOR = 1.1;
export const DURATION_OVERRUN_SLACK_MS = 60_000;

/**
 * @example
 * ```ts
 * const report = await processJob(job, deps, controller.signal);
 * await sendReport(job.callbackUrl, report, { secret, deadlineMs: Date.parse(job.deadline) });
 * ```
 */
export async function processJob(
  job: InferJob,
  deps: ProcessJobDeps,
  signal: AbortSignal,
): Promise<JobReport> {
  const { engine, clipStore, logger, nodeId } = deps;
  const rssBytes = deps.rssBytes ?? (() => process.memoryUsage.rss());
  const nowMs = deps.nowMs ?? Date.now;
  const startedMs = nowMs();
  let processedMs = 0;
  let peakRssBytes = rssBytes();
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, rssBytes());
  }, RSS_SAMPLE_INTERVAL_MS);
  sampler.unref();
  const stats = (audioMs: number): JobStats => {
    const wallMs = nowMs() - startedMs;
    peakRssBytes = Math.max(peakRssBytes, rssBytes());
    const audioSeconds = audioMs / 1000;
    return {
      audioSeconds,
      wallMs,
      realTimeFactor: audioSeconds > 0 ? wallMs / 1000 / audioSeconds : 0,
      peakRssBytes,
      nodeId,
    };
  };
  const lease = { jobId: job.jobId, leaseToken: job.leaseToken };
  logger.info("job_started", { jobId: job.jobId, format: job.format, audioUrl: redactUrl(job.audioUrl) });

  // Stops the job when the audio is much longer than declared (a mislabelled or padded upload would
  // otherwise hold the node for hours); the engine rejects with this controller's reason.
  const overrun = new AbortController();
  const jobSignal = AbortSignal.any([signal, overrun.signal]);
  const maxAudioMs =
    job.declaredDurationMs === undefined
      ? Number.POSITIVE_INFINITY
      : job.declaredDurationMs * DURATION_OVERRUN_FACTOR + DURATION_OVERRUN_SLACK_MS;

  try {
    const storedKeys = new Map<number, string>();
    const audio = streamAudio(job.audioUrl, {
      signal: jobSignal,
      ...(job.audioEtag === undefined ? {} : { expectedEtag: job.audioEtag }),
      maxRetries: deps.audioFetchRetries,
      idleTimeoutMs: deps.audioIdleTimeoutMs,
      ...(deps.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: deps.retryBaseDelayMs }),
      onRetry: (info) => logger.warn("audio_fetch_retry", { jobId: job.jobId, ...info }),
    });
    const damage = new DamageTally();
    const result = await engine.detect(audio, {
      format: job.format,
      signal: jobSignal,
      onWarning: (warning) => damage.note(warning),
      onProgress: (ms) => {
        processedMs = ms;
        if (ms > maxAudioMs && !overrun.signal.aborted) {
          overrun.abort(
            new JobFailure(
              JOB_FAILURE_REASONS.AUDIO_TOO_LONG,
              false,
              `decoded ${Math.round(ms / 1000)} s of audio, well past the declared ${Math.round((job.declaredDurationMs ?? 0) / 1000)} s; stopped`,
            ),
          );
        }
      },
      onClip: async (clip) => {
        const startMs = Math.round(clip.event.startMs);
        const key = clipKey(job.clipKeyPrefix, startMs);
        await putClipWithRetries(clipStore, key, clip.wav, {
          attempts: deps.clipUploadAttempts,
          signal,
          ...(deps.clipUploadTimeoutMs === undefined ? {} : { attemptTimeoutMs: deps.clipUploadTimeoutMs }),
          ...(deps.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: deps.retryBaseDelayMs }),
          onRetry: (error) => logger.warn("clip_upload_retry", { jobId: job.jobId, key, error }),
        });
        storedKeys.set(startMs, key);
        logger.debug("clip_stored", { jobId: job.jobId, key, bytes: clip.wav.byteLength });
      },
    });
    const events: ReportedEvent[] = result.events.map((event) => {
      const startMs = Math.round(event.startMs);
      const key = storedKeys.get(startMs);
      if (key === undefined) logger.warn("clip_missing", { jobId: job.jobId, startMs });
      return {
        startMs,
        endMs: Math.round(event.endMs),
        peakProbability: event.peakProbability,
        meanProbability: event.meanProbability,
        classId: event.classId,
        className: event.className,
        clipKey: key ?? clipKey(job.clipKeyPrefix, startMs),
      };
    });
    const report: JobReport = {
      ...lease,
      status: "completed",
      modelVersion: engine.modelVersion,
      events,
      stats: stats(result.durationMs),
      ...(result.truncated === undefined
        ? {}
        : {
            truncated: {
              message: truncateMessage(result.truncated.message),
              ...(result.truncated.byteOffset === undefined
                ? {}
                : { byteOffset: result.truncated.byteOffset }),
            },
          }),
      ...(damage.notice === undefined
        ? {}
        : {
            corrupt: {
              message: truncateMessage(damage.notice.message),
              ...(damage.notice.byteOffset === undefined ? {} : { byteOffset: damage.notice.byteOffset }),
              damagedParts: damage.notice.damagedParts,
            },
          }),
    };
    if (report.truncated !== undefined)
      logger.warn("audio_truncated", { jobId: job.jobId, ...report.truncated });
    if (report.corrupt !== undefined) logger.warn("audio_corrupt", { jobId: job.jobId, ...report.corrupt });
    logger.info("job_completed", { jobId: job.jobId, events: events.length, ...report.stats });
    return report;
  } catch (error) {
    const failure =
      overrun.signal.aborted && !signal.aborted && overrun.signal.reason instanceof JobFailure
        ? overrun.signal.reason
        : classifyFailure(error, signal);
    const report: JobReport = {
      ...lease,
      status: "failed",
      error: { retryable: failure.retryable, reason: failure.reason, message: failure.message },
      stats: stats(processedMs),
    };
    logger.warn("job_failed", {
      jobId: job.jobId,
      reason: failure.reason,
      retryable: failure.retryable,
      message: failure.message,
      processedMs,
    });
    return report;
  } finally {
    clearInterval(sampler);
  }
}
