/**
 * @module
 * The pg_cron kick's request, shared by the functions it wakes (`dispatch`, `ingest`): a bearer token (a
 * dedicated random secret, compared in constant time), a small optional JSON body, and `?wait=1` for a
 * synchronous run (manual runs, the local stack, tests) instead of the 202 the kick gets.
 *
 * @example
 * ```ts
 * app.post("/", async (c) => {
 *   const { wait } = await readKick(c.req.raw, config.DISPATCH_TOKEN, "DISPATCH_TOKEN");
 *   ...
 * });
 * ```
 */
import { z } from "zod";
import { bearerMatches } from "./bearer-token.ts";
import { HttpError, parseJson } from "./http-error.ts";

/** What `queue.kick_dispatch()` / `queue.kick_ingest()` send; an empty body is fine too (manual runs). */
export const kickBodySchema = z.object({
  runnable: z.number().int().nonnegative().optional(),
  at: z.string().optional(),
});
export type KickBody = z.infer<typeof kickBodySchema>;

export interface Kick {
  body: KickBody;
  /** `?wait=1` (or `true`): run before answering. */
  wait: boolean;
}

/**
 * Checks the bearer and the body of a kick. Throws `HttpError` 401 (naming the secret to send) or 400.
 *
 * @param tokenName the secret's variable name, for the 401's message.
 */
export async function readKick(request: Request, token: string, tokenName: string): Promise<Kick> {
  if (!(await bearerMatches(request.headers.get("authorization") ?? undefined, token))) {
    throw new HttpError(401, {
      code: "UNAUTHORIZED",
      message: `send Authorization: Bearer <${tokenName}>`,
      headers: { "www-authenticate": "Bearer" },
    });
  }
  const text = await request.text();
  const parsed = kickBodySchema.safeParse(text.trim() === "" ? {} : parseJson(text));
  if (!parsed.success) {
    throw new HttpError(400, {
      code: "INVALID_BODY",
      message: "expected the kick's body {runnable?, at?} or none",
      details: parsed.error.issues,
    });
  }
  const wait = /^(1|true)$/.test(new URL(request.url).searchParams.get("wait") ?? "");
  return { body: parsed.data, wait };
}
