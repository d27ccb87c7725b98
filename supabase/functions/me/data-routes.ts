/**
 * @module
 * `DELETE /me/data` `{ confirm: "delete all my data" }` → `{ recordings, events, objects: { recordings,
 * clips } }`: every row, then every object under `<user id>/` in both buckets. Safe to repeat.
 */
import { asUser } from "../_shared/as-user.ts";
import {
  type DataDeleted,
  DELETE_ALL_CONFIRMATION,
  deleteAllBodySchema,
} from "../_shared/generated/api/user-api.ts";
import { methodNotAllowed, parseJson } from "../_shared/http-error.ts";
import { parseOrThrow } from "../_shared/request-input.ts";
import { fromSql, type MeRouteDeps, meRoutes } from "./routes.ts";

export function dataRoutes({ config, sql, objects }: MeRouteDeps) {
  const routes = meRoutes();
  routes.delete("/data", async (c) => {
    parseOrThrow(
      deleteAllBodySchema,
      parseJson(await c.req.text()),
      "CONFIRMATION_REQUIRED",
      `send { "confirm": "${DELETE_ALL_CONFIRMATION}" } to delete every recording, laugh and clip`,
    );
    const user = c.get("user");
    // Rows first (nothing new is dispatched for them), then the objects. The prefix comes from the
    // verified token, never from the request: one user's delete cannot reach another's folder.
    const [rows] = await asUser(
      sql,
      user,
      (tx) =>
        tx<
          { recordings: number; events: number }[]
        >`select recordings, events from user_api.delete_my_data()`,
    ).catch(fromSql);
    const prefix = `${user.sub}/`;
    const body: DataDeleted = {
      recordings: rows.recordings,
      events: rows.events,
      objects: {
        recordings: await objects.deleteUnderPrefix(config.RECORDINGS_BUCKET, prefix),
        clips: await objects.deleteUnderPrefix(config.CLIPS_BUCKET, prefix),
      },
    };
    return c.json(body);
  });
  routes.all("/data", methodNotAllowed(["DELETE"]));
  return routes;
}
