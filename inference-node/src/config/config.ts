/**
 * @module
 * The inference node's configuration, parsed once at start-up from an injected env object (never read
 * from `process.env` elsewhere). A malformed value fails start-up with the variable's name; only
 * *absent* optional variables get defaults. Every key is listed in `infra/node.env.example`.
 *
 * @example
 * ```ts
 * const config = parseConfig(process.env); // throws ConfigError naming each bad variable
 * ```
 */
import { availableParallelism } from "node:os";
import { z } from "zod";

const positiveInt = z.coerce.number<string>().int().positive();
const nonNegativeInt = z.coerce.number<string>().int().nonnegative();
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);
const signingSecret = z.string().min(32, "must be at least 32 characters (use `openssl rand -hex 32`)");

/** Defaults: chosen for a 4 GB VPS running one node process next to Caddy. */
export const configSchema = z
  .object({
    /** Stable name of this node, reported in every job's stats. */
    NODE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, '.', '_' or '-', at most 64"),
    /** Listen address. Anything but loopback needs NODE_METRICS_TOKEN (no public /metrics without the proxy). */
    NODE_HOST: z.string().min(1).default("127.0.0.1"),
    NODE_PORT: z.coerce.number<string>().int().min(1).max(65_535).default(8080),
    /** HMAC secret the dispatcher signs `POST /infer` with (the dispatch function's INFER_SIGNING_SECRET). */
    INFER_SIGNING_SECRET: signingSecret,
    /** The previous infer secret during a rotation; requests signed with either are accepted. */
    INFER_SIGNING_SECRET_PREVIOUS: signingSecret.optional(),
    /** HMAC secret this node signs its job reports with (the report function's REPORT_SIGNING_SECRET). */
    REPORT_SIGNING_SECRET: signingSecret,
    /**
     * Bearer token for the operator views: `/metrics`, and the detail of `/readyz` (model version, RSS,
     * queue). When set, /metrics answers 401 without it; /readyz always answers what the dispatcher needs.
     */
    NODE_METRICS_TOKEN: z
      .string()
      .min(32, "must be at least 32 characters (use `openssl rand -hex 32`)")
      .optional(),
    /** Signed /infer requests older or newer than this are refused; seen signatures are remembered as long. */
    NODE_REPLAY_WINDOW_MS: positiveInt.default(300_000),
    /**
     * Jobs waiting behind the running ones; more gets 429. With NODE_CONCURRENCY it is the room a node offers
     * each dispatch kick: 13 keeps a node busy for a minute down to 5.0 s a job (about 720× on an hour of
     * audio; the node runs 643–702× on two cores, 5.1–5.6 s: README "Capacity").
     */
    NODE_MAX_QUEUED_JOBS: nonNegativeInt.default(12),
    /**
     * Jobs inferring at once. One job already keeps every inference worker busy (its batches go to the
     * least-loaded worker), so >1 only overlaps one job's fetch/upload with another's inference.
     */
    NODE_CONCURRENCY: positiveInt.default(1),
    /**
     * Inference worker threads, each with its own ONNX session (about 40 MB each), shared by the running
     * jobs. Default: the machine's `os.availableParallelism()` (2 on the 2-vCPU VPS), because workers beat
     * intra-op threads on this model (README "Benchmark": 2 workers × 1 thread against 1 × 2).
     */
    NODE_INFERENCE_WORKERS: positiveInt.default(() => availableParallelism()),
    /** Recent jobId+leaseToken pairs remembered to drop duplicate deliveries. */
    NODE_DEDUPE_CAPACITY: positiveInt.default(4096),
    /** Memory guard: above this resident set size the node refuses new work (503) and /readyz fails. */
    NODE_MAX_RSS_MB: positiveInt.default(768),
    /** ONNX model file; the engine's default when unset. */
    NODE_MODEL_PATH: z.string().min(1).optional(),
    /** ONNX Runtime intra-op threads per inference worker (engine default: 1). */
    NODE_INTRA_OP_THREADS: positiveInt.optional(),
    /** Consecutive failed attempts (without progress) before the audio fetch gives up. */
    NODE_AUDIO_FETCH_RETRIES: nonNegativeInt.default(5),
    /** Headers and between-chunks timeout of the audio download. */
    NODE_AUDIO_IDLE_TIMEOUT_MS: positiveInt.default(30_000),
    NODE_CLIP_UPLOAD_ATTEMPTS: positiveInt.default(5),
    /** Time kept back before a job's deadline to deliver its report; processing is cut off earlier. */
    NODE_REPORT_RESERVE_MS: nonNegativeInt.default(30_000),
    /** On SIGTERM: how long to keep trying to deliver the final reports before exiting. */
    NODE_SHUTDOWN_GRACE_MS: positiveInt.default(20_000),
    CLIPS_S3_ENDPOINT: z.url({ protocol: /^https?$/ }),
    CLIPS_S3_REGION: z.string().min(1),
    CLIPS_S3_ACCESS_KEY_ID: z.string().min(1),
    CLIPS_S3_SECRET_ACCESS_KEY: z.string().min(1),
    CLIPS_BUCKET: z.string().min(1),
  })
  .refine((config) => config.INFER_SIGNING_SECRET !== config.REPORT_SIGNING_SECRET, {
    // One secret per direction: a leaked report secret must not let anyone send work to the nodes.
    message: "must differ from INFER_SIGNING_SECRET (one secret per direction)",
    path: ["REPORT_SIGNING_SECRET"],
  })
  .refine((config) => LOOPBACK_HOSTS.has(config.NODE_HOST) || config.NODE_METRICS_TOKEN !== undefined, {
    // Bound elsewhere, /metrics and /readyz's detail would be public without the proxy's filter.
    message: "listen on loopback (127.0.0.1, ::1, localhost) behind the proxy, or set NODE_METRICS_TOKEN",
    path: ["NODE_HOST"],
  });

export type Config = z.infer<typeof configSchema>;

/** Thrown by {@link parseConfig}; `variables` names each missing or malformed key. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly variables: string[];

  constructor(issues: readonly z.core.$ZodIssue[]) {
    const lines = issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
    super(`Invalid inference-node configuration; fix these environment variables:\n${lines.join("\n")}`);
    this.variables = [...new Set(issues.map((issue) => String(issue.path[0])))];
  }
}

/**
 * Parses the node's configuration from `env`. Empty strings count as unset, so `FOO=` in an env file
 * falls back to the default instead of failing to parse as a number.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") present[key] = value;
  }
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues);
  return parsed.data;
}
