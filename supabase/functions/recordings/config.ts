/**
 * @module
 * Environment of the `recordings` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { s3EnvShape } from "../_shared/s3.ts";
import { userAuthEnvShape } from "../_shared/user-auth.ts";

export const recordingsEnvSchema = z.object({
  ...dbEnvShape,
  ...userAuthEnvShape,
  /**
   * Largest object one recording may be, in bytes: set it to the recordings bucket's `file_size_limit`
   * (at most the project's global limit: 50 MB on the Free plan). Default 50 MiB. Larger recordings are
   * split into parts (split-plan.ts).
   */
  MAX_RECORDING_BYTES: intVar(50 * 1024 * 1024, { min: 1 }),
  /** Lifetime of the presigned PUT URL. */
  UPLOAD_URL_TTL_SECONDS: intVar(900, { min: 60, max: 7 * 24 * 3600 }),
  ...s3EnvShape,
});

export type RecordingsConfig = z.infer<typeof recordingsEnvSchema>;

export function loadRecordingsConfig(env?: Record<string, string | undefined>): RecordingsConfig {
  return parseEnv(recordingsEnvSchema, env);
}
