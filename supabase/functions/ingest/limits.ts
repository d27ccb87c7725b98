/**
 * @module
 * What one ingest run and one window may take: a window is claimed only while its whole download
 * timeout still fits in the Edge run's wall clock (so no download starts late and is cut by the
 * platform), and a window's answer may weigh at most its length at a multiple of the pendant's bitrate.
 */
import { PENDANT_BITRATE_BPS } from "../_shared/generated/limitless/limitless-contract.ts";

/** Added to every window's byte cap (Ogg/Opus headers, a short window's framing). */
const CAP_SLACK_BYTES = 1024 * 1024;

export interface RunBudget {
  INGEST_BUDGET_MS: number;
  INGEST_DOWNLOAD_TIMEOUT_MS: number;
  INGEST_WALL_MS: number;
}

/** Whether a worker may claim another window `elapsedMs` into the run. */
export function mayClaim(budget: RunBudget, elapsedMs: number): boolean {
  return (
    elapsedMs < budget.INGEST_BUDGET_MS &&
    elapsedMs + budget.INGEST_DOWNLOAD_TIMEOUT_MS <= budget.INGEST_WALL_MS
  );
}

/** The most bytes a window's answer may have: its length at `factor` × the pendant's bitrate, plus 1 MiB. */
export function windowByteCap(spanMs: number, factor: number): number {
  return Math.ceil(((spanMs / 1000) * PENDANT_BITRATE_BPS * factor) / 8) + CAP_SLACK_BYTES;
}
