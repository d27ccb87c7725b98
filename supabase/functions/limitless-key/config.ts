/**
 * @module
 * Environment of the `limitless-key` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { dbUrlVar, intVar, parseEnv } from "../_shared/config.ts";
import { limitlessEnvShape } from "../_shared/limitless.ts";

export const limitlessKeyEnvSchema = z
  .object({
    SUPABASE_DB_URL: dbUrlVar,
    /** Project URL (platform-provided); its JWKS verifies user tokens when GIGGLES_JWT_SECRET is unset. */
    SUPABASE_URL: z.url().optional(),
    /** HS256 secret for user tokens (legacy JWT secret; tests). Takes precedence over the JWKS. */
    GIGGLES_JWT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** Timeout of the upstream key check. */
    LIMITLESS_TIMEOUT_MS: intVar(10_000, { min: 100, max: 60_000 }),
    ...limitlessEnvShape,
  })
  .refine((env) => env.GIGGLES_JWT_SECRET !== undefined || env.SUPABASE_URL !== undefined, {
    message: "set GIGGLES_JWT_SECRET or SUPABASE_URL (to verify user tokens)",
    path: ["GIGGLES_JWT_SECRET"],
  });

export type LimitlessKeyConfig = z.infer<typeof limitlessKeyEnvSchema>;

export function loadLimitlessKeyConfig(env?: Record<string, string | undefined>): LimitlessKeyConfig {
  return parseEnv(limitlessKeyEnvSchema, env);
}
