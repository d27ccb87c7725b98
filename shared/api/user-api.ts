/**
 * @module
 * The user API contract: what the `me` and `laughs` Edge Functions accept and answer, and the limits both
 * sides enforce. The functions parse requests with the request schemas; the page (`web/src/api.ts`) parses
 * answers with the response schemas. One definition, so the page's textarea limit and the server's refusal
 * cannot drift apart. Runtime-neutral (zod only): copied into the functions by `npm run sync:shared`.
 *
 * @example
 * ```ts
 * const body = parseOrThrow(noteBodySchema, json, "INVALID_BODY", noteBodyHint); // function side
 * const laughs = laughsResponseSchema.parse(await res.json()); // page side
 * ```
 */
import { z } from "zod";
import { localDateSchema } from "../time/local-date.ts";

/** A note is at most this many characters (code points, as the user counts them). */
export const MAX_NOTE_CHARS = 1000;
/** `me/days` and `me/reprocess` cover at most this many local days per call. */
export const MAX_RANGE_DAYS = 366;
/**
 * Largest JSON body `me` and `limitless-key` read. The biggest legitimate body is a note: 1000 characters,
 * each at most 6 bytes as a JSON escape, plus the key. Longer bodies are refused while reading (413).
 */
export const MAX_USER_BODY_BYTES = 8 * 1024;
export const DELETE_ALL_CONFIRMATION = "delete all my data";

// C0 controls other than tab, newline and carriage return, and DEL. PostgreSQL text cannot hold NUL at all.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

// ---- requests -------------------------------------------------------------------------------------------

export const timeZoneSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "is too long for a time zone")
  .regex(/^[A-Za-z0-9_+\-/]+$/, "must be an IANA zone name such as Europe/London");

export const profileBodySchema = z.object({ timeZone: timeZoneSchema });
export const profileBodyHint = 'expected { "timeZone": "<IANA zone, e.g. Europe/London>" }';

export const noteSchema = z
  .string()
  .refine((note) => [...note].length <= MAX_NOTE_CHARS, `at most ${MAX_NOTE_CHARS} characters`)
  .refine((note) => !CONTROL_CHARACTERS.test(note), "must not contain control characters");
export const noteBodySchema = z.object({ note: noteSchema.nullable() });
export const noteBodyHint = `expected { "note": "<at most ${MAX_NOTE_CHARS} characters>" } or { "note": null }`;

/** `from` on or before `to`, at most {@link MAX_RANGE_DAYS} days: the SQL checks it again. */
export const dateRangeSchema = z
  .object({ from: localDateSchema, to: localDateSchema })
  .refine(({ from, to }) => from <= to, { message: "from must be on or before to", path: ["to"] })
  // Date.parse of YYYY-MM-DD is UTC midnight: whole days apart. NaN (an invalid date, already an issue)
  // compares false.
  .refine(({ from, to }) => (Date.parse(to) - Date.parse(from)) / 86_400_000 < MAX_RANGE_DAYS, {
    message: `at most ${MAX_RANGE_DAYS} days at a time`,
    path: ["to"],
  });
export const dateRangeHint = `expected from=YYYY-MM-DD and to=YYYY-MM-DD (local dates, at most ${MAX_RANGE_DAYS} days)`;

export const laughsQuerySchema = z.object({ date: localDateSchema });

export const deleteAllBodySchema = z.object({
  confirm: z.literal(DELETE_ALL_CONFIRMATION, { error: `send { "confirm": "${DELETE_ALL_CONFIRMATION}" }` }),
});

// ---- answers --------------------------------------------------------------------------------------------

/** The Limitless key's state as the user sees it (`user_api.limitless_key_state()`). */
export const limitlessKeyStateSchema = z.enum(["none", "valid", "invalid", "forbidden"]);
export const profileSchema = z.object({
  timeZone: z.string(),
  createdAt: z.string(),
  limitlessKey: limitlessKeyStateSchema,
});
export const profileUpdatedSchema = z.object({ timeZone: z.string() });

export const dayStateSchema = z.enum(["empty", "planned", "processing", "done", "failed"]);
export const daySchema = z.object({
  date: z.string(),
  laughs: z.number(),
  laughSeconds: z.number(),
  recordings: z.number(),
  planned: z.number(),
  processing: z.number(),
  done: z.number(),
  failed: z.number(),
  state: dayStateSchema,
  /** Stored failure reasons, `CODE: detail`; the page shows a sentence per code, never these. */
  failureReasons: z.array(z.string()),
});
export const daysResponseSchema = z.object({ timeZone: z.string(), days: z.array(daySchema) });

export const laughEventSchema = z.object({
  id: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** Wall-clock start in the user's zone, HH:MM:SS. */
  localTime: z.string(),
  durationMs: z.number(),
  peakProbability: z.number(),
  meanProbability: z.number(),
  className: z.string(),
  note: z.string().nullable(),
  /** Presigned GET of the WAV clip (expires after CLIP_URL_TTL_SECONDS), or null. */
  clipUrl: z.string().nullable(),
});
export const laughsSummarySchema = z.object({
  laughs: z.number(),
  laughSeconds: z.number(),
  recordingsDone: z.number(),
  recordingsPending: z.number(),
  recordingsFailed: z.number(),
  /** Recordings of the day read only in part (damaged or cut short): their laughs may be incomplete. */
  recordingsWithDecodeWarning: z.number(),
  /** Of those, recordings cut short (recordings.decode_warning_kind 'truncated': what arrived was read). */
  recordingsTruncated: z.number(),
  /** Of those, recordings with damaged parts that were skipped ('corrupt': the rest was read). */
  recordingsCorrupt: z.number(),
});
export const laughsResponseSchema = z.object({
  date: z.string(),
  timeZone: z.string(),
  summary: laughsSummarySchema,
  events: z.array(laughEventSchema),
});

export const noteSavedSchema = z.object({ id: z.string(), note: z.string().nullable() });
export const reprocessAcceptedSchema = z.object({ requestId: z.string(), recordings: z.number() });
export const reprocessProgressSchema = z.object({
  requestId: z.string(),
  from: z.string(),
  to: z.string(),
  createdAt: z.string(),
  recordings: z.number(),
  queued: z.number(),
  done: z.number(),
  failed: z.number(),
  finished: z.boolean(),
});
export const processTodaySchema = z.object({ localDate: z.string(), recordings: z.number() });
export const dataDeletedSchema = z.object({
  recordings: z.number(),
  events: z.number(),
  objects: z.object({ recordings: z.number(), clips: z.number() }),
});

/** Every error answer of the functions. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export type DayState = z.infer<typeof dayStateSchema>;
export type Day = z.infer<typeof daySchema>;
export type DaysResponse = z.infer<typeof daysResponseSchema>;
export type LaughEvent = z.infer<typeof laughEventSchema>;
export type LaughsSummary = z.infer<typeof laughsSummarySchema>;
export type LaughsResponse = z.infer<typeof laughsResponseSchema>;
export type ReprocessProgress = z.infer<typeof reprocessProgressSchema>;
export type DataDeleted = z.infer<typeof dataDeletedSchema>;
