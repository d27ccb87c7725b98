/**
 * @module
 * The Limitless side of a night on the local stack: a user stores their key through the `limitless-key`
 * function, the hourly planning cuts finished local days into windows, the ingest kick downloads them
 * from the stand-in until nothing claimable is left. Shared by `npm run demo` and the e2e test.
 */
import { z } from "zod";
import type { LocalStack } from "./local-stack.ts";
import type { DemoUser } from "./nightly-cycle.ts";

const count = z.number().int().nonnegative();

/** The ingest function's 200 answer (supabase/functions/ingest/app.ts, `IngestSummary`). */
export const ingestSummarySchema = z.object({
  claimed: count,
  downloaded: count,
  noAudio: count,
  keyInvalid: count,
  rateLimited: count,
  retried: count,
  dead: count,
  dropped: count,
  unchanged: count,
  errors: count,
  bytes: count,
  deleted: count,
  wallMs: count,
  memory: z.object({ heapUsedBytes: count, externalBytes: count, isolateBytes: count, rssBytes: count }),
});
export type IngestSummary = z.infer<typeof ingestSummarySchema>;

/** PUT /limitless-key as the user; returns the windows planned for the backfill. */
export async function storeLimitlessKey(stack: LocalStack, user: DemoUser, apiKey: string): Promise<number> {
  const response = await fetch(stack.functionUrl("limitless-key"), {
    method: "PUT",
    headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
    body: JSON.stringify({ apiKey }),
  });
  const body = (await response.json()) as { windowsPlanned?: number };
  if (!response.ok)
    throw new Error(`PUT /limitless-key answered ${response.status}: ${JSON.stringify(body)}`);
  return body.windowsPlanned ?? 0;
}

/** GET /limitless-key as the user. */
export async function limitlessKeyStatus(
  stack: LocalStack,
  user: DemoUser,
): Promise<Record<string, unknown>> {
  const response = await fetch(stack.functionUrl("limitless-key"), {
    headers: { authorization: `Bearer ${user.token}` },
  });
  return (await response.json()) as Record<string, unknown>;
}

export interface WindowState {
  window_id: string;
  user_id: string;
  local_date: string;
  starts_at: Date;
  ends_at: Date;
  state: "pending" | "downloaded" | "short" | "no_audio" | "failed";
  attempts: number;
  last_error: string | null;
  recording_id: string | null;
}

export async function windowStates(stack: LocalStack, userId?: string): Promise<WindowState[]> {
  return await stack.sql<WindowState[]>`
    select window_id, user_id, local_date::text as local_date, starts_at, ends_at, state, attempts, last_error,
           recording_id
    from queue.ingest_window_states
    where ${userId ?? null}::uuid is null or user_id = ${userId ?? null}::uuid
    order by user_id, starts_at`;
}

export interface IngestTotals {
  kicks: number;
  claimed: number;
  downloaded: number;
  noAudio: number;
  keyInvalid: number;
  rateLimited: number;
  retried: number;
  dead: number;
  bytes: number;
  wallMs: number;
}

/**
 * Kicks the ingest function until no ingest job of a user with a valid key is queued or processing
 * (waiting out Retry-After and backoff). Windows of users whose key is invalid keep waiting, as they
 * should. Throws after `timeoutMs`.
 */
export async function ingestUntilSettled(
  stack: LocalStack,
  {
    timeoutMs = 120_000,
    onProgress,
  }: { timeoutMs?: number; onProgress?: (totals: IngestTotals) => void } = {},
): Promise<IngestTotals> {
  const started = Date.now();
  const totals: IngestTotals = {
    kicks: 0,
    claimed: 0,
    downloaded: 0,
    noAudio: 0,
    keyInvalid: 0,
    rateLimited: 0,
    retried: 0,
    dead: 0,
    bytes: 0,
    wallMs: 0,
  };
  for (;;) {
    const summary = await stack.ingest();
    totals.kicks++;
    for (const field of [
      "claimed",
      "downloaded",
      "noAudio",
      "keyInvalid",
      "rateLimited",
      "retried",
      "dead",
      "bytes",
    ] as const) {
      totals[field] += summary[field];
    }
    onProgress?.(totals);
    const [{ waiting }] = await stack.sql<{ waiting: number }[]>`
      select count(*)::int as waiting
      from queue.jobs j join private.limitless_keys k on k.user_id = j.user_id and k.status = 'valid'
      where j.kind = 'ingest' and j.status in ('queued', 'processing')`;
    if (waiting === 0) {
      totals.wallMs = Date.now() - started;
      return totals;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`ingest did not settle in ${timeoutMs} ms (${waiting} waiting)`);
    if (summary.claimed === 0) await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Makes the stand-in serve `audioByWindow` (window index from local midnight of `day`, 2 h each) to
 * `apiKey`, and 404 for every other window: a night with some empty windows.
 */
export function serveNight(
  stack: LocalStack,
  apiKey: string,
  dayStartMs: number,
  audioByWindow: ReadonlyMap<number, Uint8Array>,
): void {
  stack.limitless.addKey(apiKey);
  stack.limitless.setDefault(apiKey, (startMs) => {
    const audio = audioByWindow.get(Math.round((startMs - dayStartMs) / (2 * 3600 * 1000)));
    return audio === undefined ? { status: 404 } : { audio };
  });
}
