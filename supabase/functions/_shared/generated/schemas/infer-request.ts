// Generated from shared/schemas/infer-request.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * Body of `POST /infer` on an inference node: a batch of leased jobs from the nightly queue.
 *
 * Runtime-neutral (also imported by Deno Edge Functions, where `zod` is mapped by an import map), so
 * the bare `zod` specifier is the one non-relative import allowed here.
 *
 * @example
 * ```ts
 * const parsed = inferRequestSchema.safeParse(await c.req.json());
 * if (!parsed.success) throw new HttpError(400, { message: "invalid body", details: parsed.error.issues });
 * ```
 */
import { z } from "zod";
import { jobIdSchema } from "./job-id.ts";

/** Containers the engine decodes; `auto` sniffs the first bytes. Keep in sync with engine/types.ts. */
export const AUDIO_FORMATS = ["auto", "wav", "ogg-opus", "ogg-vorbis", "flac", "mp3"] as const;

/** Largest batch a node accepts in one request. */
export const MAX_JOBS_PER_REQUEST = 100;

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

/** `<user>/<recording>/`: relative, ends with "/", no empty, `.` or `..` segments. */
export const clipKeyPrefixSchema = z
  .string()
  .min(2)
  .max(512)
  .regex(/^[^/\\]/, "must not start with a slash")
  .regex(/\/$/, 'must end with "/"')
  .refine(
    (value) =>
      value
        .slice(0, -1)
        .split("/")
        .every((segment) => !["", ".", ".."].includes(segment)),
    {
      message: 'must not contain empty, "." or ".." path segments',
    },
  )
  .refine((value) => !value.includes("\\"), { message: "must not contain backslashes" });

export const inferJobSchema = z.object({
  /** The queue's job id (a bigint as decimal digits, see job-id.ts); reported back unchanged. */
  jobId: jobIdSchema,
  /** Proof of the current lease; a redelivery after the visibility timeout gets a new one. */
  leaseToken: z.uuid(),
  /** Presigned GET URL of the recording. */
  audioUrl: httpUrl,
  /** Wall-clock start of the recording; event offsets are relative to it. */
  recordingStartedAt: z.iso.datetime({ offset: true }),
  format: z.enum(AUDIO_FORMATS),
  /** Clips are stored at `<clipKeyPrefix><startMs>.wav` in the clips bucket. */
  clipKeyPrefix: clipKeyPrefixSchema,
  /** Where the signed job report is POSTed. */
  callbackUrl: httpUrl,
  /** Lease expiry: after it the job is re-leased elsewhere, so the node stops working on it. */
  deadline: z.iso.datetime({ offset: true }),
  /**
   * The object's ETag as confirmed at upload. The node sends it as `If-Match` and refuses a response
   * with another ETag (`AUDIO_CHANGED`, permanent): the audio it analyses is the audio that was confirmed.
   */
  audioEtag: z.string().min(1).max(256).optional(),
  /**
   * The recording's declared length (ended_at − started_at). The node stops with `AUDIO_TOO_LONG`
   * (permanent) when the decoded audio runs well past it, instead of spending hours on a mislabelled file.
   */
  declaredDurationMs: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600 * 1000)
    .optional(),
});

export const inferRequestSchema = z.object({
  jobs: z.array(inferJobSchema).min(1).max(MAX_JOBS_PER_REQUEST),
});

export type InferJob = z.infer<typeof inferJobSchema>;
export type InferRequest = z.infer<typeof inferRequestSchema>;

/** Body of the 202 answer to `POST /infer`. */
export const inferAcceptedSchema = z.object({
  accepted: z.array(jobIdSchema),
  /** Jobs already accepted with the same jobId + leaseToken (redelivered request); not queued again. */
  duplicates: z.array(jobIdSchema),
});
export type InferAccepted = z.infer<typeof inferAcceptedSchema>;
