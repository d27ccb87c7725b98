/**
 * @module
 * How a recording too large for one Storage object is split into several recordings.
 *
 * Supabase Storage refuses an object above the bucket's `file_size_limit` (itself at most the project's
 * global limit: 50 MB on the Free plan), and the audio never passes through the function, so the client
 * cuts it: the plan gives consecutive time ranges of equal length, each expected to stay under the limit
 * with `headroomRatio` to spare (Opus is variable bit rate), and the client registers each cut as its own
 * recording. Ranges touch (one ends where the next starts) and never overlap.
 *
 * @example
 * ```ts
 * planParts({ startedAtMs, endedAtMs, sizeBytes: 86_000_000, maxPartBytes: 50 * 1024 * 1024 });
 * // → { maxPartBytes: 52428800, parts: [{ startedAt, endedAt, estimatedBytes: 43000000 }, { … }] }
 * ```
 */

export interface PlannedPart {
  startedAt: string;
  endedAt: string;
  /** The part's share of the declared size (the cut's real size will differ a little). */
  estimatedBytes: number;
}

export interface SplitPlan {
  /** Each part's upload must not exceed this (the configured MAX_RECORDING_BYTES). */
  maxPartBytes: number;
  parts: PlannedPart[];
}

export interface SplitInput {
  startedAtMs: number;
  endedAtMs: number;
  sizeBytes: number;
  maxPartBytes: number;
  /** Parts are planned at this fraction of the limit. */
  headroomRatio?: number;
}

/** No part shorter than this: a plan needing shorter parts means the declared size is not audio's. */
export const MIN_PART_MS = 60_000;

/** Thrown when no sensible plan exists; the message says why. */
export class SplitPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SplitPlanError";
  }
}

export function planParts({
  startedAtMs,
  endedAtMs,
  sizeBytes,
  maxPartBytes,
  headroomRatio = 0.9,
}: SplitInput): SplitPlan {
  const spanMs = endedAtMs - startedAtMs;
  if (!(spanMs > 0) || !(sizeBytes > 0) || !(maxPartBytes > 0)) {
    throw new SplitPlanError("the span, the size and the limit must all be positive");
  }
  const count =
    sizeBytes <= maxPartBytes ? 1 : Math.ceil(sizeBytes / Math.floor(maxPartBytes * headroomRatio));
  if (count > 1 && spanMs / count < MIN_PART_MS) {
    throw new SplitPlanError(
      `${sizeBytes} bytes over ${Math.round(spanMs / 1000)} s would need parts shorter than ${MIN_PART_MS / 1000} s: ` +
        "that is not a recording's bit rate",
    );
  }
  const parts: PlannedPart[] = [];
  for (let i = 0; i < count; i++) {
    // Whole milliseconds; the last part ends exactly at endedAt.
    const partStart = startedAtMs + Math.round((spanMs * i) / count);
    const partEnd = i === count - 1 ? endedAtMs : startedAtMs + Math.round((spanMs * (i + 1)) / count);
    parts.push({
      startedAt: new Date(partStart).toISOString(),
      endedAt: new Date(partEnd).toISOString(),
      estimatedBytes: Math.ceil((sizeBytes * (partEnd - partStart)) / spanMs),
    });
  }
  return { maxPartBytes, parts };
}
