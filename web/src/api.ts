/**
 * @module
 * The page's calls to the Edge Functions (`laughs`, `me`, and the Limitless key endpoint when the server
 * has one), with the signed-in user's access token. Every answer is checked with zod before use.
 */
import { z } from "zod";
import {
  type Day,
  DELETE_ALL_CONFIRMATION,
  dataDeletedSchema,
  daysResponseSchema,
  errorBodySchema,
  type LaughEvent,
  laughsResponseSchema,
  limitlessKeyStateSchema,
  noteSavedSchema,
  processTodaySchema,
  profileSchema,
  profileUpdatedSchema,
  type ReprocessProgress,
  reprocessAcceptedSchema,
  reprocessProgressSchema,
} from "../../shared/api/user-api.ts";
import { ApiError } from "./api-error.ts";

const limitlessStatusSchema = z
  .object({
    status: limitlessKeyStateSchema,
    invalidSince: z.string().nullable(),
    storedAt: z.string().nullable(),
  })
  .loose();

export type { Day, ReprocessProgress };

/** `POST /recordings` and `POST /recordings/parts` (supabase/functions/recordings). */
export interface RecordingBody {
  startedAt: string;
  endedAt: string;
  format: "wav" | "ogg-opus";
  sizeBytes: number;
  source?: string;
}
const partsPlanSchema = z.object({
  maxPartBytes: z.number(),
  parts: z.array(z.object({ startedAt: z.string(), endedAt: z.string(), estimatedBytes: z.number() })),
});
const registeredSchema = z.object({
  recordingId: z.string(),
  uploadUrl: z.string(),
  uploadHeaders: z.record(z.string(), z.string()),
  uploadExpiresAt: z.string(),
  localDate: z.string(),
});
const confirmedSchema = z.object({ recordingId: z.string(), status: z.string() });
export type PartsPlan = z.infer<typeof partsPlanSchema>;
export type RegisteredRecording = z.infer<typeof registeredSchema>;
export { ApiError };
export type Laugh = LaughEvent;
export type LimitlessKeyStatus = z.infer<typeof limitlessStatusSchema>;

export interface ApiOptions {
  /** The project URL: functions answer under `${supabaseUrl}/functions/v1/`. */
  supabaseUrl: string;
  /** The signed-in user's access token (supabase-js `auth.getSession()`), or undefined. */
  accessToken: () => Promise<string | undefined>;
  /** For tests. */
  fetch?: typeof fetch;
}

export function createApi({
  supabaseUrl,
  accessToken,
  fetch = globalThis.fetch.bind(globalThis),
}: ApiOptions) {
  async function call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const token = await accessToken();
    if (token === undefined) throw new ApiError(401, "NOT_SIGNED_IN");
    let response: Response;
    try {
      response = await fetch(`${supabaseUrl}/functions/v1/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "NETWORK");
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === "" ? null : JSON.parse(text);
    } catch {
      // A proxy's HTML error page: the status decides below.
    }
    if (!response.ok) {
      const error = errorBodySchema.safeParse(json);
      if (error.success) throw new ApiError(response.status, error.data.error.code);
      throw new ApiError(response.status, response.status >= 500 ? "INTERNAL" : "HTTP_ERROR");
    }
    return schema.parse(json);
  }
  const q = encodeURIComponent;
  return {
    profile: () => call(profileSchema, "GET", "me/profile"),
    setTimeZone: (timeZone: string) => call(profileUpdatedSchema, "PUT", "me/profile", { timeZone }),
    days: (from: string, to: string) =>
      call(daysResponseSchema, "GET", `me/days?from=${q(from)}&to=${q(to)}`),
    laughs: (date: string) => call(laughsResponseSchema, "GET", `laughs?date=${q(date)}`),
    setNote: (id: string, note: string | null) =>
      call(noteSavedSchema, "PATCH", `me/events/${q(id)}`, { note }),
    deleteLaugh: (id: string) => call(z.null(), "DELETE", `me/events/${q(id)}`),
    reprocess: (from: string, to: string) =>
      call(reprocessAcceptedSchema, "POST", "me/reprocess", { from, to }),
    reprocessProgress: (id: string) => call(reprocessProgressSchema, "GET", `me/reprocess/${q(id)}`),
    processToday: () => call(processTodaySchema, "POST", "me/process-today"),
    planParts: (body: RecordingBody) => call(partsPlanSchema, "POST", "recordings/parts", body),
    registerRecording: (body: RecordingBody) => call(registeredSchema, "POST", "recordings", body),
    confirmUpload: (id: string) => call(confirmedSchema, "POST", `recordings/${q(id)}/uploaded`),
    deleteAllData: () => call(dataDeletedSchema, "DELETE", "me/data", { confirm: DELETE_ALL_CONFIRMATION }),
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
