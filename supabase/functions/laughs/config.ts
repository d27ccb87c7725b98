/**
 * @module
 * Environment of the `laughs` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { s3EnvShape } from "../_shared/s3.ts";
import { userAuthEnvShape } from "../_shared/user-auth.ts";

export const laughsEnvSchema = z.object({
  ...dbEnvShape,
  ...userAuthEnvShape,
  /** Lifetime of each clip's presigned GET URL. */
  CLIP_URL_TTL_SECONDS: intVar(300, { min: 10, max: 24 * 3600 }),
  ...s3EnvShape,
});

export type LaughsConfig = z.infer<typeof laughsEnvSchema>;

export function loadLaughsConfig(env?: Record<string, string | undefined>): LaughsConfig {
  return parseEnv(laughsEnvSchema, env);
}
