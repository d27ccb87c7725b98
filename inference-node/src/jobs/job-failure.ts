/**
 * @module
 * Classified job failures. Every way a job can end badly maps to one SCREAMING_SNAKE reason and a
 * retryable flag; the queue re-leases retryable failures and parks permanent ones.
 */
import { JOB_FAILURE_REASONS, type JobFailureReason } from "../../../shared/schemas/job-report.ts";

/** A failure with its report fields attached. Thrown by the job pipeline's stages. */
export class JobFailure extends Error {
  override name = "JobFailure";
  readonly reason: JobFailureReason;
  readonly retryable: boolean;

  constructor(reason: JobFailureReason, retryable: boolean, message: string, options?: { cause?: unknown }) {
    // Bounded where it is made: the report schema caps messages at 2,000 characters, and a 2,850-character
    // S3 <Message> once made every report of the job invalid, so none was sent (issue 10 item 7).
    super(truncateMessage(message), options);
    this.reason = reason;
    this.retryable = retryable;
  }
}

/** Why a job's AbortController fired; becomes the abort reason. */
export class JobAborted extends Error {
  override name = "JobAborted";
  readonly reason: "SHUTTING_DOWN" | "DEADLINE_EXCEEDED";

  constructor(reason: "SHUTTING_DOWN" | "DEADLINE_EXCEEDED") {
    super(reason === "SHUTTING_DOWN" ? "the node is shutting down" : "the job's deadline passed");
    this.reason = reason;
  }
}

/** Longest failure message a report carries (the schema allows 2,000). */
export const MAX_MESSAGE_LENGTH = 500;

/**
 * Maps anything thrown while processing a job to a {@link JobFailure}.
 * - `AudioDecodeError` from the engine (matched by name, so a copy from another bundle also counts):
 *   permanent `UNDECODABLE_AUDIO`. The same bytes will never decode.
 * - an abort with {@link JobAborted}: retryable `SHUTTING_DOWN` / `DEADLINE_EXCEEDED`.
 * - the inference worker dying (`InferenceWorkerLostError`, matched by name): retryable `INTERNAL`; the
 *   pool replaces the worker.
 * - anything else: permanent `ENGINE_FAILED`. Network, storage and deadline problems arrive as
 *   `JobFailure`/`JobAborted` above; what is left will recur on the same bytes, so retrying only burns
 *   attempts and hides the reason (issue 10 item 3).
 */
export function classifyFailure(error: unknown, signal?: AbortSignal): JobFailure {
  if (signal?.aborted && signal.reason instanceof JobAborted) {
    const reason = signal.reason.reason;
    return new JobFailure(JOB_FAILURE_REASONS[reason], true, signal.reason.message, { cause: error });
  }
  // The engine may wrap what our input iterable threw; look down the cause chain. Our own failures
  // win over a decode error wrapping them: a network failure must not become a permanent one.
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && chain.length < 5; current = current.cause)
    chain.push(current);
  const ours = chain.find((link) => link instanceof JobFailure);
  if (ours instanceof JobFailure) return ours;
  const aborted = chain.find((link) => link instanceof JobAborted);
  if (aborted instanceof JobAborted) {
    return new JobFailure(JOB_FAILURE_REASONS[aborted.reason], true, aborted.message, { cause: error });
  }
  const decode = chain.find((link) => link.name === "AudioDecodeError");
  if (decode !== undefined) {
    const code = (decode as { code?: unknown }).code;
    const prefix = typeof code === "string" ? `${code}: ` : "";
    return new JobFailure(
      JOB_FAILURE_REASONS.UNDECODABLE_AUDIO,
      false,
      truncateMessage(`${prefix}${decode.message}`),
      {
        cause: error,
      },
    );
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (chain.some((link) => link.name === "InferenceWorkerLostError")) {
    return new JobFailure(JOB_FAILURE_REASONS.INTERNAL, true, message, { cause: error });
  }
  return new JobFailure(JOB_FAILURE_REASONS.ENGINE_FAILED, false, message, { cause: error });
}

/** Cuts `message` to {@link MAX_MESSAGE_LENGTH} characters, marking the cut with an ellipsis. */
export function truncateMessage(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
}
