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
});

export type RecordingsConfig = z.infer<typeof recordingsEnvSchema>;

export function loadRecordingsConfig(env?: Record<string, string | undefined>): RecordingsConfig {
  return parseEnv(recordingsEnvSchema, env);
}
