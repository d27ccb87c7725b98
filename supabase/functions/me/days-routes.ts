/**
 * @module
 * `GET /me/days?from=YYYY-MM-DD&to=YYYY-MM-DD` (≤ 366 days) → `{ timeZone, days: [{ date, laughs,
 * laughSeconds, recordings, planned, processing, done, failed, state, failureReasons }] }`, newest first,
 * empty days included; state is empty | planned | processing | done | failed.
 */
import { asUser } from "../_shared/as-user.ts";
import {
  type Day,
  type DayState,
  type DaysResponse,
  dateRangeHint,
  dateRangeSchema,
} from "../_shared/generated/api/user-api.ts";
import { methodNotAllowed } from "../_shared/http-error.ts";
import { parseOrThrow, profileNotFound } from "../_shared/request-input.ts";
import { fromSql, type MeRouteDeps, meRoutes } from "./routes.ts";

interface DayRow {
  local_date: string;
  laughs: number;
  laugh_seconds: string;
  recordings: number;
  recordings_planned: number;
  recordings_processing: number;
  recordings_done: number;
  recordings_failed: number;
  state: DayState;
  failure_reasons: string[];
}

export function daysRoutes({ sql }: MeRouteDeps) {
  const routes = meRoutes();
  routes.get("/days", async (c) => {
    const range = parseOrThrow(dateRangeSchema, c.req.query(), "INVALID_QUERY", dateRangeHint);
    const { timeZone, rows } = await asUser(sql, c.get("user"), async (tx) => {
      const [profile] = await tx<{ time_zone: string }[]>`select time_zone from user_api.profile()`;
      const rows = await tx<DayRow[]>`
        select local_date::text as local_date, laughs, laugh_seconds::text as laugh_seconds, recordings,
               recordings_planned, recordings_processing, recordings_done, recordings_failed, state, failure_reasons
        from user_api.days(${range.from}::date, ${range.to}::date)`;
      return { timeZone: profile?.time_zone, rows };
    }).catch(fromSql);
    if (timeZone === undefined) throw profileNotFound();
    const days: Day[] = rows.map((row) => ({
      date: row.local_date,
      laughs: row.laughs,
      laughSeconds: Number(row.laugh_seconds),
      recordings: row.recordings,
      planned: row.recordings_planned,
      processing: row.recordings_processing,
      done: row.recordings_done,
      failed: row.recordings_failed,
      state: row.state,
      failureReasons: row.failure_reasons,
    }));
    const body: DaysResponse = { timeZone, days };
    return c.json(body);
  });
  routes.all("/days", methodNotAllowed(["GET"]));
  return routes;
}
