/**
 * @module
 * Environment of the `ingest` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv, secretVar } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { limitlessEnvShape } from "../_shared/limitless.ts";
import { s3EnvShape } from "../_shared/s3.ts";

export const ingestEnvSchema = z
  .object({
    ...dbEnvShape,
    /** Bearer token the pg_cron kick sends (Vault secret `ingest_token`). */
    INGEST_TOKEN: secretVar(16),
    /** Downloads running at once in one invocation (the SQL limits bound all invocations together). */
    INGEST_CONCURRENCY: intVar(4, { min: 1, max: 32 }),
    /** Lease per claimed window: longer than the slowest download. */
    INGEST_LEASE_SECONDS: intVar(300, { min: 60, max: 3600 }),
    /** No new window is claimed after this much wall time. */
    INGEST_BUDGET_MS: intVar(100_000, { min: 1000, max: 390_000 }),
    /**
     * The Edge run's wall-clock limit (150 s on Supabase's free plan, 400 s on paid plans): a window is
     * only claimed while its whole download timeout still fits before it.
     */
    INGEST_WALL_MS: intVar(150_000, { min: 1000, max: 400_000 }),
    /**
     * A download (headers and body) that takes longer is abandoned as transient. 120 s moves a 2 h window
     * (21.6 MB at the pendant's 24 kbit/s) at 180 kB/s or faster.
     */
    INGEST_DOWNLOAD_TIMEOUT_MS: intVar(120_000, { min: 100, max: 390_000 }),
    /** Size of each multipart part held in memory (S3 minimum 5 MiB except the last part). */
    INGEST_PART_BYTES: intVar(5 * 1024 * 1024, { min: 5 * 1024 * 1024, max: 64 * 1024 * 1024 }),
    /**
     * A window's answer may weigh at most its length at this many times the pendant's 24 kbit/s (+ 1 MiB);
     * more is cut off while streaming and the window fails (TOO_LARGE), nothing stored.
     */
    INGEST_MAX_BITRATE_FACTOR: intVar(3, { min: 1, max: 64 }),
    /** Timeout of storage calls (multipart steps, HEAD, DELETE). */
    STORAGE_TIMEOUT_MS: intVar(30_000, { min: 100, max: 120_000 }),
    ...limitlessEnvShape,
    ...s3EnvShape,
  })
  .refine((config) => config.INGEST_DOWNLOAD_TIMEOUT_MS < config.INGEST_WALL_MS, {
    path: ["INGEST_DOWNLOAD_TIMEOUT_MS"],
    message: "must be shorter than INGEST_WALL_MS, or no window could ever be claimed",
  });

export type IngestConfig = z.infer<typeof ingestEnvSchema>;

export function loadIngestConfig(env?: Record<string, string | undefined>): IngestConfig {
  return parseEnv(ingestEnvSchema, env);
}
