/**
 * @module
 * Environment of the `me` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { dbUrlVar, intVar, parseEnv } from "../_shared/config.ts";
import { s3EnvShape } from "../_shared/s3.ts";

export const meEnvSchema = z
  .object({
    SUPABASE_DB_URL: dbUrlVar,
    /** Project URL (platform-provided); its JWKS verifies user tokens when GIGGLES_JWT_SECRET is unset. */
    SUPABASE_URL: z.url().optional(),
    /** HS256 secret for user tokens (legacy JWT secret; tests). Takes precedence over the JWKS. */
    GIGGLES_JWT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** Timeout of each storage request (object delete, list page). */
    STORAGE_TIMEOUT_MS: intVar(15_000, { min: 100, max: 120_000 }),
    ...s3EnvShape,
  })
  .refine((env) => env.GIGGLES_JWT_SECRET !== undefined || env.SUPABASE_URL !== undefined, {
    message: "set GIGGLES_JWT_SECRET or SUPABASE_URL (to verify user tokens)",
    path: ["GIGGLES_JWT_SECRET"],
  });

export type MeConfig = z.infer<typeof meEnvSchema>;

export function loadMeConfig(env?: Record<string, string | undefined>): MeConfig {
  return parseEnv(meEnvSchema, env);
}
