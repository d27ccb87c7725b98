/**
 * @module
 * - `POST /me/reprocess` `{ from, to }` → 202 `{ requestId, recordings }`; `GET /me/reprocess/:id` →
 *   `{ requestId, from, to, createdAt, recordings, queued, done, failed, finished }`.
 * - `POST /me/process-today` → 202 `{ localDate, recordings }`: today's uploads are queued now.
 */
import { z } from "zod";
import { asUser } from "../_shared/as-user.ts";
import { dateRangeHint, dateRangeSchema, type ReprocessProgress } from "../_shared/generated/api/user-api.ts";
import { HttpError, methodNotAllowed, parseJson } from "../_shared/http-error.ts";
import { parseOrThrow } from "../_shared/request-input.ts";
import { fromSql, type MeRouteDeps, meRoutes } from "./routes.ts";

interface ProgressRow {
  id: string;
  from_date: string;
  to_date: string;
  created_at: Date;
  recordings: number;
  queued: number;
  done: number;
  failed: number;
  finished: boolean;
}

export function reprocessRoutes({ sql }: MeRouteDeps) {
  const routes = meRoutes();
  routes.post("/reprocess", async (c) => {
    const range = parseOrThrow(
      dateRangeSchema,
      parseJson(await c.req.text()),
      "INVALID_BODY",
      `${dateRangeHint} as { "from": …, "to": … }`,
    );
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ request_id: string; recordings: number }[]>`
        select request_id, recordings from user_api.request_reprocess(${range.from}::date, ${range.to}::date)`,
    ).catch(fromSql);
    return c.json({ requestId: row.request_id, recordings: row.recordings }, 202, {
      location: `/me/reprocess/${row.request_id}`,
    });
  });
  routes.all("/reprocess", methodNotAllowed(["POST"]));
  routes.get("/reprocess/:id", async (c) => {
    const id = parseOrThrow(z.uuid(), c.req.param("id"), "INVALID_ID", "the request id must be a uuid");
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<ProgressRow[]>`
        select id, from_date::text as from_date, to_date::text as to_date, created_at, recordings, queued, done,
               failed, finished
        from user_api.reprocess_progress(${id}::uuid)`,
    );
    if (row === undefined) {
      throw new HttpError(404, { code: "REQUEST_NOT_FOUND", message: "no such request" });
    }
    const progress: ReprocessProgress = {
      requestId: row.id,
      from: row.from_date,
      to: row.to_date,
      createdAt: row.created_at.toISOString(),
      recordings: row.recordings,
      queued: row.queued,
      done: row.done,
      failed: row.failed,
      finished: row.finished,
    };
    return c.json(progress);
  });
  routes.all("/reprocess/:id", methodNotAllowed(["GET"]));

  routes.post("/process-today", async (c) => {
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ local_date: string; recordings: number }[]>`
        select local_date::text as local_date, recordings from user_api.process_today()`,
    ).catch(fromSql);
    return c.json({ localDate: row.local_date, recordings: row.recordings }, 202);
  });
  routes.all("/process-today", methodNotAllowed(["POST"]));
  return routes;
}
