/**
 * @module
 * Environment of the `report` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv, secretVar } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";

export const reportEnvSchema = z.object({
  ...dbEnvShape,
  /** HMAC secret shared with the nodes (their reports are signed with it). */
  NODE_SHARED_SECRET: secretVar(16),
  /** The previous secret during a rotation; reports signed with either are accepted. */
  NODE_SHARED_SECRET_PREVIOUS: secretVar(16).optional(),
  /** Accepted clock difference between a node and this function. */
  REPORT_REPLAY_WINDOW_MS: intVar(300_000, { min: 1000, max: 3_600_000 }),
});

export type ReportConfig = z.infer<typeof reportEnvSchema>;

export function loadReportConfig(env?: Record<string, string | undefined>): ReportConfig {
  return parseEnv(reportEnvSchema, env);
}
