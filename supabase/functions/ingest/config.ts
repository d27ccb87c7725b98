/**
 * @module
 * Environment of the `ingest` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv, secretVar } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { limitlessEnvShape } from "../_shared/limitless.ts";
import { s3EnvShape } from "../_shared/s3.ts";

export const ingestEnvSchema = z.object({
  ...dbEnvShape,
  /** Bearer token the pg_cron kick sends (Vault secret `ingest_token`). */
  INGEST_TOKEN: secretVar(16),
  /** Downloads running at once in one invocation (the SQL limits bound all invocations together). */
  INGEST_CONCURRENCY: intVar(4, { min: 1, max: 32 }),
  /** Lease per claimed window: longer than the slowest download. */
  INGEST_LEASE_SECONDS: intVar(300, { min: 60, max: 3600 }),
  /** No new window is claimed after this much wall time (Edge limit: 150 s per invocation). */
  INGEST_BUDGET_MS: intVar(100_000, { min: 1000, max: 140_000 }),
  /** A download (headers and body) that takes longer is abandoned as transient. */
  INGEST_DOWNLOAD_TIMEOUT_MS: intVar(120_000, { min: 100, max: 140_000 }),
  /** Size of each multipart part held in memory (S3 minimum 5 MiB except the last part). */
  INGEST_PART_BYTES: intVar(5 * 1024 * 1024, { min: 5 * 1024 * 1024, max: 64 * 1024 * 1024 }),
  /** Backoff of a transient failure: base × 2^(attempt-1), capped. */
  INGEST_BACKOFF_BASE_SECONDS: intVar(60, { min: 1, max: 3600 }),
  INGEST_BACKOFF_MAX_SECONDS: intVar(3600, { min: 1, max: 24 * 3600 }),
  /** Timeout of storage calls (multipart steps, HEAD, DELETE). */
  STORAGE_TIMEOUT_MS: intVar(30_000, { min: 100, max: 120_000 }),
  ...limitlessEnvShape,
  ...s3EnvShape,
});

export type IngestConfig = z.infer<typeof ingestEnvSchema>;

export function loadIngestConfig(env?: Record<string, string | undefined>): IngestConfig {
  return parseEnv(ingestEnvSchema, env);
}
