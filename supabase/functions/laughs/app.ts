/**
 * @module
 * `GET /laughs?date=YYYY-MM-DD`: the signed-in user's laughs of one local day (the day as cut in their
 * profile's time zone), with short-lived clip URLs and the day's summary.
 *
 * Everything is read **under RLS**, as PostgREST would: in one transaction the function takes the role
 * `authenticated` and sets `request.jwt.claims` to the verified token's claims, so `auth.uid()` is the
 * caller and the tables' own policies decide what is visible. The queries have no `user_id` filter of
 * their own on purpose; a policy mistake cannot be papered over here.
 *
 * The shapes are the user API contract (`shared/api/user-api.ts`).
 *
 * - 200 `{ date, timeZone, summary: { laughs, laughSeconds, recordingsDone, recordingsPending,
 *   recordingsFailed, recordingsWithDecodeWarning, recordingsTruncated, recordingsCorrupt }, events: [{ id, startsAt, endsAt, localTime, durationMs, peakProbability,
 *   meanProbability, className, note, clipUrl }] }` (events ordered by time; clipUrl null when no clip;
 *   id is what `me`'s PATCH/DELETE /me/events/:id take)
 * - 400 bad date; 401 no/invalid user token; 403 no profile; 405.
 *
 * @example
 * ```ts
 * const res = await fetch(`${functionsUrl}/laughs?date=2026-11-21`, { headers: { authorization: `Bearer ${jwt}` } });
 * ```
 */
import { Hono } from "hono";
import { asUser } from "../_shared/as-user.ts";
import type { Sql } from "../_shared/db.ts";
import {
  type LaughEvent,
  type LaughsResponse,
  laughsQuerySchema,
} from "../_shared/generated/api/user-api.ts";
import { presignS3Url } from "../_shared/generated/s3/presign-v4.ts";
import { createErrorHandler, methodNotAllowed, notFound } from "../_shared/http-error.ts";
import { parseOrThrow, profileNotFound } from "../_shared/request-input.ts";
import { s3Credentials } from "../_shared/s3.ts";
import { userApiCors } from "../_shared/user-api-cors.ts";
import { requireUser, type UserVariables, type UserVerifier } from "../_shared/user-auth.ts";
import type { LaughsConfig } from "./config.ts";

interface EventRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  local_time: string;
  duration_ms: number;
  peak_probability: number;
  mean_probability: number;
  class_name: string;
  note: string | null;
  clip_object_key: string | null;
}

interface SummaryRow {
  laughs: number;
  laugh_seconds: string;
  recordings_done: number;
  recordings_pending: number;
  recordings_failed: number;
}

export interface LaughsAppDeps {
  config: LaughsConfig;
  sql: Sql;
  verifyUser: UserVerifier;
}

export function createLaughsApp({ config, sql, verifyUser }: LaughsAppDeps) {
  const s3 = s3Credentials(config);
  const app = new Hono<{ Variables: UserVariables }>().basePath("/laughs");
  app.onError(createErrorHandler("laughs"));
  app.notFound(notFound);
  // The page may live on another origin; it sends a bearer token, no cookies.
  app.use("*", userApiCors());
  app.use("*", requireUser(verifyUser));

  /**
   * Presigns a clip only under the caller's own prefix: the database refuses other keys for new events
   * (laughter_events_clip_object_key_own_prefix), this also covers rows stored before that check.
   * presignS3Url refuses empty, "." and ".." segments, so no key can climb out of its prefix.
   */
  const clipUrl = async (key: string | null, userId: string): Promise<string | null> => {
    if (key === null || !key.startsWith(`${userId}/`)) return null;
    try {
      return await presignS3Url(s3, {
        method: "GET",
        bucket: config.CLIPS_BUCKET,
        key,
        expiresInSeconds: config.CLIP_URL_TTL_SECONDS,
      });
    } catch (error) {
      if (error instanceof RangeError) return null;
      throw error;
    }
  };

  app.get("/", async (c) => {
    const { date } = parseOrThrow(
      laughsQuerySchema,
      c.req.query(),
      "INVALID_QUERY",
      "expected ?date=YYYY-MM-DD (a local date)",
    );
    const user = c.get("user");

    const { timeZone, events, summary, warned } = await asUser(sql, user, async (tx) => {
      const [profile] = await tx<{ time_zone: string }[]>`select time_zone from public.profiles`;
      if (profile === undefined)
        return { timeZone: undefined, events: [], summary: undefined, warned: undefined };
      // The day is the recordings' local_date (as daily_summary counts it), its times in the zone each
      // recording was lived in (a later zone change does not move them), and only the events of the
      // model version that last completed each recording (a reprocess must not show laughs twice).
      const events = await tx<EventRow[]>`
        select e.id, e.starts_at, e.ends_at,
               to_char(e.starts_at at time zone r.time_zone, 'HH24:MI:SS') as local_time,
               e.end_offset_ms - e.start_offset_ms as duration_ms,
               e.peak_probability, e.mean_probability, e.class_name, e.note, e.clip_object_key
        from public.laughter_events e
        join public.recordings r on r.id = e.recording_id and r.user_id = e.user_id
        where r.local_date = ${date}::date and e.model_version = r.model_version
        order by e.starts_at, e.id`;
      const [summary] = await tx<SummaryRow[]>`
        select laughs, laugh_seconds::text as laugh_seconds, recordings_done, recordings_pending, recordings_failed
        from public.daily_summary where local_date = ${date}::date`;
      const [warned] = await tx<{ n: number; truncated: number; corrupt: number }[]>`
        select count(*)::int as n,
               count(*) filter (where decode_warning_kind = 'truncated')::int as truncated,
               count(*) filter (where decode_warning_kind = 'corrupt')::int as corrupt
        from public.recordings
        where local_date = ${date}::date and decode_warning is not null`;
      // The day's own zone (the one its recordings were lived in), not today's profile zone.
      const [lived] = await tx<{ time_zone: string }[]>`
        select time_zone from public.recordings where local_date = ${date}::date
        order by started_at limit 1`;
      return { timeZone: lived?.time_zone ?? profile.time_zone, events, summary, warned };
    });
    if (timeZone === undefined) throw profileNotFound();

    const body: LaughsResponse = {
      date,
      timeZone,
      summary: {
        laughs: summary?.laughs ?? 0,
        laughSeconds: Number(summary?.laugh_seconds ?? 0),
        recordingsDone: summary?.recordings_done ?? 0,
        recordingsPending: summary?.recordings_pending ?? 0,
        recordingsFailed: summary?.recordings_failed ?? 0,
        recordingsWithDecodeWarning: warned?.n ?? 0,
        recordingsTruncated: warned?.truncated ?? 0,
        recordingsCorrupt: warned?.corrupt ?? 0,
      },
      events: await Promise.all(
        events.map(
          async (row): Promise<LaughEvent> => ({
            id: row.id,
            startsAt: row.starts_at.toISOString(),
            endsAt: row.ends_at.toISOString(),
            localTime: row.local_time,
            durationMs: row.duration_ms,
            peakProbability: row.peak_probability,
            meanProbability: row.mean_probability,
            className: row.class_name,
            note: row.note,
            clipUrl: await clipUrl(row.clip_object_key, user.sub),
          }),
        ),
      ),
    };
    // The clip URLs are personal and expire: no shared caches, no stale copies.
    return c.json(body, 200, { "cache-control": "private, no-store" });
  });
  app.all("/", methodNotAllowed(["GET"]));
  return app;
}
