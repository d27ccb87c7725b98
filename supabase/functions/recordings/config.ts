/**
 * @module
 * Environment of the `recordings` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { dbUrlVar, intVar, parseEnv } from "../_shared/config.ts";
import { s3EnvShape } from "../_shared/s3.ts";

export const recordingsEnvSchema = z
  .object({
    SUPABASE_DB_URL: dbUrlVar,
    /** Project URL (platform-provided); its JWKS verifies user tokens when GIGGLES_JWT_SECRET is unset. */
    SUPABASE_URL: z.url().optional(),
    /** HS256 secret for user tokens (legacy JWT secret; tests). Takes precedence over the JWKS. */
    GIGGLES_JWT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** Largest recording accepted, in bytes (default 300 MiB). */
    MAX_RECORDING_BYTES: intVar(300 * 1024 * 1024, { min: 1 }),
    /**
     * Lifetime of the presigned PUT URL. At most an hour: queue.expire_uploads() removes registrations
     * still uploading after 2 hours, and a URL outliving that could leave an orphan object.
     */
    UPLOAD_URL_TTL_SECONDS: intVar(900, { min: 60, max: 3600 }),
    /** Registrations per user in any 24 hours (queue.register_recording's quota). */
    MAX_DAILY_RECORDINGS: intVar(288, { min: 1, max: 100_000 }),
    /** Declared bytes per user in any 24 hours (default 8 GiB). */
    MAX_DAILY_BYTES: intVar(8 * 1024 * 1024 * 1024, { min: 1 }),
    ...s3EnvShape,
  })
  .refine((env) => env.GIGGLES_JWT_SECRET !== undefined || env.SUPABASE_URL !== undefined, {
    message: "set GIGGLES_JWT_SECRET or SUPABASE_URL (to verify user tokens)",
    path: ["GIGGLES_JWT_SECRET"],
  });

export type RecordingsConfig = z.infer<typeof recordingsEnvSchema>;

export function loadRecordingsConfig(env?: Record<string, string | undefined>): RecordingsConfig {
  return parseEnv(recordingsEnvSchema, env);
}
