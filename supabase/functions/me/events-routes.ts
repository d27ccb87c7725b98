/**
 * @module
 * - `PATCH /me/events/:id` `{ note: string | null }` (≤ 1000 characters, no control characters) →
 *   `{ id, note }`; 404 if not yours.
 * - `DELETE /me/events/:id` → 204; the row and its clip object go together (a failed object delete keeps
 *   the row).
 */
import { z } from "zod";
import { asUser } from "../_shared/as-user.ts";
import { noteBodyHint, noteBodySchema } from "../_shared/generated/api/user-api.ts";
import { HttpError, methodNotAllowed, parseJson } from "../_shared/http-error.ts";
import { parseOrThrow } from "../_shared/request-input.ts";
import { type MeRouteDeps, meRoutes } from "./routes.ts";

const uuid = z.uuid("must be a uuid");
const eventNotFound = () => new HttpError(404, { code: "EVENT_NOT_FOUND", message: "no such laugh" });

export function eventsRoutes({ config, sql, objects }: MeRouteDeps) {
  const routes = meRoutes();
  routes.patch("/events/:id", async (c) => {
    const id = parseOrThrow(uuid, c.req.param("id"), "INVALID_ID", "the event id must be a uuid");
    const body = parseOrThrow(noteBodySchema, parseJson(await c.req.text()), "INVALID_BODY", noteBodyHint);
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ updated: boolean; stored: string | null }[]>`
        select updated, stored from user_api.set_note(${id}::uuid, ${body.note})`,
    );
    if (!row.updated) throw eventNotFound();
    return c.json({ id, note: row.stored });
  });
  routes.delete("/events/:id", async (c) => {
    const id = parseOrThrow(uuid, c.req.param("id"), "INVALID_ID", "the event id must be a uuid");
    await asUser(sql, c.get("user"), async (tx) => {
      const [row] = await tx<{ deleted: boolean; clip_object_key: string | null }[]>`
        select deleted, clip_object_key from user_api.delete_event(${id}::uuid)`;
      if (!row.deleted) throw eventNotFound();
      // Inside the transaction: if storage refuses, the row stays and the user can try again.
      if (row.clip_object_key !== null) await objects.deleteObject(config.CLIPS_BUCKET, row.clip_object_key);
    });
    return c.body(null, 204);
  });
  routes.all("/events/:id", methodNotAllowed(["PATCH", "DELETE"]));
  return routes;
}
