/**
 * @module
 * Environment of the `limitless-key` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { limitlessEnvShape } from "../_shared/limitless.ts";
import { userAuthEnvShape } from "../_shared/user-auth.ts";

export const limitlessKeyEnvSchema = z.object({
  ...dbEnvShape,
  ...userAuthEnvShape,
  /** Timeout of the upstream key check. */
  LIMITLESS_TIMEOUT_MS: intVar(10_000, { min: 100, max: 60_000 }),
  ...limitlessEnvShape,
});

export type LimitlessKeyConfig = z.infer<typeof limitlessKeyEnvSchema>;

export function loadLimitlessKeyConfig(env?: Record<string, string | undefined>): LimitlessKeyConfig {
  return parseEnv(limitlessKeyEnvSchema, env);
}
