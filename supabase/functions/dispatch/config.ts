/**
 * @module
 * Environment of the `dispatch` function (parsed once per isolate by index.ts).
 */
import { z } from "zod";
import { intVar, parseEnv, secretVar, urlVar } from "../_shared/config.ts";
import { dbEnvShape } from "../_shared/db.ts";
import { s3EnvShape } from "../_shared/s3.ts";

export const dispatchEnvSchema = z.object({
  ...dbEnvShape,
  /**
   * Bearer token the pg_cron kick sends (Vault secret `dispatch_token`): a dedicated random value
   * (`openssl rand -hex 32`), never a Supabase API key. The service-role key would let anyone who reads
   * the kick's request (pg_net logs, Vault) bypass RLS everywhere; a dispatch token only wakes dispatch.
   */
  DISPATCH_TOKEN: secretVar(16).refine(
    (token) => !/^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token) && !/^sb_(secret|publishable)_/.test(token),
    "must be a dedicated random token (openssl rand -hex 32), not a Supabase API key or JWT",
  ),
  /** Comma-separated base URLs of the inference nodes, e.g. `https://node-1.example.com`. */
  INFERENCE_NODE_URLS: z
    .string({ error: "is required (comma-separated node base URLs)" })
    .transform((value) =>
      value
        .split(",")
        .map((url) => url.trim())
        .filter((url) => url.length > 0),
    )
    .pipe(z.array(urlVar()).min(1, "must list at least one URL")),
  /** HMAC secret that signs POST /infer (the nodes' INFER_SIGNING_SECRET; never the report secret). */
  INFER_SIGNING_SECRET: secretVar(32),
  /** Public URL of the `report` function; nodes POST their reports there. */
  REPORT_URL: urlVar(),
  /** Lease per claimed job; also the presigned audio URL's lifetime and the node's deadline. */
  LEASE_SECONDS: intVar(900, { min: 60, max: 7 * 24 * 3600 }),
  /**
   * At most this many jobs per invocation, over all nodes. 300 keeps 35 nodes full at one kick a minute
   * when a job takes 8.4 s (README "Capacity": `DISPATCH_MAX_JOBS` ≥ nodes × 60 s / seconds per job); 50, the
   * old default, starved more than about 7 (issue 21). 250 jobs cost about 110 ms of Edge CPU per kick.
   */
  DISPATCH_MAX_JOBS: intVar(300, { min: 1, max: 1000 }),
  /** Wall-time budget of one invocation (Edge limit: 150 s wall, ~2 s CPU). */
  DISPATCH_BUDGET_MS: intVar(100_000, { min: 1000, max: 140_000 }),
  /** Timeout of each call to a node (GET /readyz, POST /infer). */
  NODE_TIMEOUT_MS: intVar(10_000, { min: 100, max: 60_000 }),
  ...s3EnvShape,
});

export type DispatchConfig = z.infer<typeof dispatchEnvSchema>;

export function loadDispatchConfig(env?: Record<string, string | undefined>): DispatchConfig {
  return parseEnv(dispatchEnvSchema, env);
}
