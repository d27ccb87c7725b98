/**
 * @module
 * Environment of the `me` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { s3EnvShape } from "../_shared/s3.ts";
import { userAuthEnvShape } from "../_shared/user-auth.ts";

export const meEnvSchema = z.object({
  ...dbEnvShape,
  ...userAuthEnvShape,
  /** Timeout of each storage request (object delete, list page). */
  STORAGE_TIMEOUT_MS: intVar(15_000, { min: 100, max: 120_000 }),
  ...s3EnvShape,
});

export type MeConfig = z.infer<typeof meEnvSchema>;

export function loadMeConfig(env?: Record<string, string | undefined>): MeConfig {
  return parseEnv(meEnvSchema, env);
}
