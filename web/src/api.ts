/**
 * @module
 * The page's calls to the Edge Functions (`laughs`, `me`, and the Limitless key endpoint when the server
 * has one), with the signed-in user's access token. Every answer is checked with zod before use.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { z } from "zod";

const dayState = z.enum(["empty", "planned", "processing", "done", "failed"]);
const daySchema = z.object({
  date: z.string(),
  laughs: z.number(),
  laughSeconds: z.number(),
  recordings: z.number(),
  planned: z.number(),
  processing: z.number(),
  done: z.number(),
  failed: z.number(),
  state: dayState,
  failureReasons: z.array(z.string()),
});
const daysSchema = z.object({ timeZone: z.string(), days: z.array(daySchema) });
const laughSchema = z.object({
  id: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  localTime: z.string(),
  durationMs: z.number(),
  peakProbability: z.number(),
  meanProbability: z.number(),
  className: z.string(),
  note: z.string().nullable(),
  clipUrl: z.string().nullable(),
});
const laughsSchema = z.object({ date: z.string(), timeZone: z.string(), events: z.array(laughSchema) });
const profileSchema = z.object({ timeZone: z.string() });
const reprocessSchema = z.object({ requestId: z.string(), recordings: z.number() });
const progressSchema = z.object({
  requestId: z.string(),
  recordings: z.number(),
  queued: z.number(),
  done: z.number(),
  failed: z.number(),
  finished: z.boolean(),
});
const deletedSchema = z.object({
  recordings: z.number(),
  events: z.number(),
  objects: z.object({ recordings: z.number(), clips: z.number() }),
});
const limitlessStatusSchema = z
  .object({
    status: z.enum(["none", "valid", "invalid", "forbidden"]),
    invalidSince: z.string().nullable(),
    storedAt: z.string().nullable(),
  })
  .loose();
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type Day = z.infer<typeof daySchema>;
export type Laugh = z.infer<typeof laughSchema>;
export type LimitlessKeyStatus = z.infer<typeof limitlessStatusSchema>;
export type ReprocessProgress = z.infer<typeof progressSchema>;

/** An API error with the server's code and message, fit to show the user. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createApi(supabase: SupabaseClient, supabaseUrl: string) {
  async function call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const { data } = await supabase.auth.getSession();
    const token = data.session?.access_token;
    if (token === undefined) throw new ApiError(401, "NOT_SIGNED_IN", "Please sign in again.");
    const response = await fetch(`${supabaseUrl}/functions/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json: unknown = text === "" ? null : JSON.parse(text);
    if (!response.ok) {
      const error = errorSchema.safeParse(json);
      throw error.success
        ? new ApiError(response.status, error.data.error.code, error.data.error.message)
        : new ApiError(response.status, "HTTP_ERROR", `The server answered HTTP ${response.status}.`);
    }
    return schema.parse(json);
  }
  const q = encodeURIComponent;
  return {
    profile: () => call(profileSchema, "GET", "me/profile"),
    setTimeZone: (timeZone: string) => call(profileSchema, "PUT", "me/profile", { timeZone }),
    days: (from: string, to: string) => call(daysSchema, "GET", `me/days?from=${q(from)}&to=${q(to)}`),
    laughs: (date: string) => call(laughsSchema, "GET", `laughs?date=${q(date)}`),
    setNote: (id: string, note: string | null) =>
      call(z.object({ id: z.string(), note: z.string().nullable() }), "PATCH", `me/events/${q(id)}`, {
        note,
      }),
    deleteLaugh: (id: string) => call(z.null(), "DELETE", `me/events/${q(id)}`),
    reprocess: (from: string, to: string) => call(reprocessSchema, "POST", "me/reprocess", { from, to }),
    reprocessProgress: (id: string) => call(progressSchema, "GET", `me/reprocess/${q(id)}`),
    processToday: () =>
      call(z.object({ localDate: z.string(), recordings: z.number() }), "POST", "me/process-today"),
    deleteAllData: () => call(deletedSchema, "DELETE", "me/data", { confirm: "delete all my data" }),
    /**
     * The Limitless key (the `limitless-key` function: GET status, PUT { apiKey }, DELETE). undefined when
     * this server has no such function (404 from the router): the page then says so instead of offering it.
     */
    limitlessKeyStatus: async (): Promise<LimitlessKeyStatus | undefined> => {
      try {
        return await call(limitlessStatusSchema, "GET", "limitless-key");
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }
    },
    setLimitlessKey: (apiKey: string) =>
      call(z.object({ status: z.string() }).loose(), "PUT", "limitless-key", { apiKey }),
    removeLimitlessKey: () => call(z.object({ removed: z.boolean() }).loose(), "DELETE", "limitless-key"),
  };
}

export type Api = ReturnType<typeof createApi>;
