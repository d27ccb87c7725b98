/**
 * @module
 * The laughter head as committed in `models/head/laughter-head.json`: logistic-regression weights on
 * YAMNet's raw 1024-d embedding (p = σ(w·e + b)), already calibrated (calibration.ts: p is the share of
 * held-out talk-day events with that peak that were laughs), the event parameters chosen with it, and how
 * it was trained. Read by the model build (folded into the ONNX graph) and by tests.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { EMBEDDING_SIZE } from "../../../shared/yamnet/constants.ts";
import { MODELS_DIR } from "../model-paths.ts";

/** Path of the committed head. */
export const HEAD_ARTIFACT_PATH = join(MODELS_DIR, "head", "laughter-head.json");

const headArtifactSchema = z.object({
  schemaVersion: z.literal(2),
  version: z.string().regex(/^laughter-head@[0-9a-f]{12}$/),
  kind: z.literal("logistic"),
  inputName: z.literal("embeddings"),
  embeddingSize: z.number().refine((n): boolean => n === EMBEDDING_SIZE, `must be ${EMBEDDING_SIZE}`),
  weights: z.array(z.number().finite()).length(EMBEDDING_SIZE),
  bias: z.number().finite(),
  events: z.object({
    onsetThreshold: z.number().gt(0).lte(1),
    offsetThreshold: z.number().gt(0).lte(1),
    minDurationMs: z.number().min(0),
    mergeGapMs: z.number().min(0),
  }),
  calibration: z.object({
    method: z.string(),
    scale: z.number().positive(),
    shift: z.number().finite(),
    rawOnsetThreshold: z.number().gt(0).lte(1),
    rawOffsetThreshold: z.number().gt(0).lte(1),
  }),
  training: z.object({
    command: z.string(),
    seed: z.number().int(),
    folds: z.number().int(),
    recipe: z.string(),
    weakLabels: z.string(),
    negatives: z.string(),
    l2: z.number(),
    iterations: z.number().int(),
    learningRate: z.number(),
    suspectClipsInTraining: z.boolean(),
  }),
});

export type HeadArtifact = z.infer<typeof headArtifactSchema>;

/** `laughter-head@<first 12 hex of sha256 over the weights and bias>`. */
export function headVersion(weights: readonly number[], bias: number): string {
  return `laughter-head@${createHash("sha256")
    .update(JSON.stringify([weights, bias]))
    .digest("hex")
    .slice(0, 12)}`;
}

/**
 * Reads and validates the head; the error names the file and the field.
 *
 * @example const head = loadHeadArtifact(); head.weights.length // 1024
 */
export function loadHeadArtifact(path: string = HEAD_ARTIFACT_PATH): HeadArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(
      `laughter head ${path} is missing or not JSON (run \`npm run train\`): ${(error as Error).message}`,
    );
  }
  const parsed = headArtifactSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`laughter head ${path} is invalid: ${parsed.error.message}`);
  const head = parsed.data;
  if (head.version !== headVersion(head.weights, head.bias))
    throw new Error(`laughter head ${path}: version ${head.version} does not match its weights`);
  return head;
}
