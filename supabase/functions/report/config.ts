/**
 * @module
 * Environment of the `report` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv, secretVar } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";

export const reportEnvSchema = z.object({
  ...dbEnvShape,
  /** HMAC secret the nodes sign their reports with (their REPORT_SIGNING_SECRET; never the infer secret). */
  REPORT_SIGNING_SECRET: secretVar(32),
  /** The previous secret during a rotation; reports signed with either are accepted. */
  REPORT_SIGNING_SECRET_PREVIOUS: secretVar(32).optional(),
  /** Accepted clock difference between a node and this function. */
  REPORT_REPLAY_WINDOW_MS: intVar(300_000, { min: 1000, max: 3_600_000 }),
});

export type ReportConfig = z.infer<typeof reportEnvSchema>;

export function loadReportConfig(env?: Record<string, string | undefined>): ReportConfig {
  return parseEnv(reportEnvSchema, env);
}
