/**
 * @module
 * `GET /me/profile` → `{ timeZone, createdAt, limitlessKey }` (`limitlessKey`: none | valid | invalid |
 * forbidden, from `user_api.limitless_key_state()`); `PUT /me/profile` `{ timeZone }` → `{ timeZone }`
 * (400 INVALID_TIME_ZONE). Zone rule: a zone change applies from now on; a recording is dated in the
 * zone in effect when it started, and days already recorded keep their zone and dates.
 */

import type { z } from "zod";
import { asUser } from "../_shared/as-user.ts";
import {
  limitlessKeyStateSchema,
  profileBodyHint,
  profileBodySchema,
  type profileSchema,
} from "../_shared/generated/api/user-api.ts";
import { methodNotAllowed, parseJson } from "../_shared/http-error.ts";
import { parseOrThrow, profileNotFound } from "../_shared/request-input.ts";
import { fromSql, type MeRouteDeps, meRoutes } from "./routes.ts";

export function profileRoutes({ sql }: MeRouteDeps) {
  const routes = meRoutes();
  routes.get("/profile", async (c) => {
    const [profile] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ time_zone: string; created_at: Date; limitless_key: string }[]>`
        select p.*, user_api.limitless_key_state() as limitless_key from user_api.profile() p`,
    );
    if (profile === undefined) throw profileNotFound();
    const body: z.infer<typeof profileSchema> = {
      timeZone: profile.time_zone,
      createdAt: profile.created_at.toISOString(),
      limitlessKey: limitlessKeyStateSchema.parse(profile.limitless_key),
    };
    return c.json(body);
  });
  routes.put("/profile", async (c) => {
    const body = parseOrThrow(
      profileBodySchema,
      parseJson(await c.req.text()),
      "INVALID_BODY",
      profileBodyHint,
    );
    const [row] = await asUser(
      sql,
      c.get("user"),
      (tx) => tx<{ time_zone: string }[]>`select user_api.set_time_zone(${body.timeZone}) as time_zone`,
    ).catch(fromSql);
    return c.json({ timeZone: row.time_zone });
  });
  routes.all("/profile", methodNotAllowed(["GET", "PUT"]));
  return routes;
}
