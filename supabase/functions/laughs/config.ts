/**
 * @module
 * Environment of the `laughs` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { dbUrlVar, intVar, parseEnv } from "../_shared/config.ts";
import { s3EnvShape } from "../_shared/s3.ts";

export const laughsEnvSchema = z
  .object({
    SUPABASE_DB_URL: dbUrlVar,
    /** Project URL (platform-provided); its JWKS verifies user tokens when GIGGLES_JWT_SECRET is unset. */
    SUPABASE_URL: z.url().optional(),
    /** HS256 secret for user tokens (legacy JWT secret; tests). Takes precedence over the JWKS. */
    GIGGLES_JWT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** Lifetime of each clip's presigned GET URL. */
    CLIP_URL_TTL_SECONDS: intVar(300, { min: 10, max: 24 * 3600 }),
    ...s3EnvShape,
  })
  .refine((env) => env.GIGGLES_JWT_SECRET !== undefined || env.SUPABASE_URL !== undefined, {
    message: "set GIGGLES_JWT_SECRET or SUPABASE_URL (to verify user tokens)",
    path: ["GIGGLES_JWT_SECRET"],
  });

export type LaughsConfig = z.infer<typeof laughsEnvSchema>;

export function loadLaughsConfig(env?: Record<string, string | undefined>): LaughsConfig {
  return parseEnv(laughsEnvSchema, env);
}
