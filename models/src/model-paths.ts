/**
 * @module
 * Where the built YAMNet ONNX model and its manifest live, for the engine and the build. Env override:
 * `YAMNET_ONNX` points at a model built elsewhere (its manifest is looked for next to it as
 * `<name>.manifest.json`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Precision } from "./convert.ts";

/**
 * `<repo>/models`, found by walking up from this module: it runs from source (`models/src/`) and from the
 * production bundles in `inference-node/dist/` (see inference-node/build.mjs).
 */
export const MODELS_DIR = findModelsDir(dirname(fileURLToPath(import.meta.url)));

function findModelsDir(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "models", "build.mjs"))) return join(dir, "models");
    if (dirname(dir) === dir) return resolve(start, "..");
  }
}
/** Output folder of `npm run build:model` (gitignored). */
export const MODEL_BUILD_DIR = join(MODELS_DIR, "build");
/** Default path of the built model. */
export const DEFAULT_ONNX_PATH = join(MODEL_BUILD_DIR, "yamnet.onnx");
/** Where `npm run build:model -- --float` puts the float graph kept for comparison (`YAMNET_ONNX` selects it). */
export const FLOAT_ONNX_PATH = join(MODEL_BUILD_DIR, "yamnet-float.onnx");

/** One graph input or output as recorded in the manifest. */
export interface ManifestTensor {
  name: string;
  dtype: "float32";
  /** Dimensions; "N" is the dynamic batch (patch count). */
  shape: (number | "N")[];
}

/** Contents of `yamnet.manifest.json`, written next to the .onnx by the build. */
export interface YamnetManifest {
  schemaVersion: 1;
  onnxFile: string;
  onnxSha256: string;
  tfliteSha256: string;
  /** Hash of the converter sources; a change means the .onnx is stale. */
  converterVersion: string;
  irVersion: number;
  opset: number;
  inputs: ManifestTensor[];
  outputs: ManifestTensor[];
  /**
   * How the TFLite int8 weights were carried over (models/src/convert.ts): "int8" integer MatMuls (the default
   * since issue 21) or "float" (every weight dequantised). Absent in manifests from before: those were float.
   */
  precision?: Precision;
  /** Version of the laughter head folded in as the `laughter` output (models/head/laughter-head.json). */
  headVersion?: string;
  sampleRateHz: number;
  classCount: number;
  embeddingSize: number;
  patchFrames: number;
  melBands: number;
  patchHopMs: number;
  builtAt: string;
}

/** Options shared by the path helpers. */
export interface ModelPathOptions {
  /** Environment to read `YAMNET_ONNX` from; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** Manifest path for a model path: `x/yamnet.onnx` → `x/yamnet.manifest.json`. */
export function manifestPathFor(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, "") + ".manifest.json";
}

/**
 * Path of the YAMNet .onnx to load: `YAMNET_ONNX` if set, else `models/build/yamnet.onnx`. Throws, saying how
 * to fix it, when the file does not exist.
 *
 * @example
 * const session = await InferenceSession.create(resolveModelPath());
 */
export function resolveModelPath(options: ModelPathOptions = {}): string {
  const env = options.env ?? process.env;
  const override = env.YAMNET_ONNX;
  if (override) {
    const path = resolve(override);
    if (!existsSync(path)) throw new Error(`YAMNET_ONNX points at ${path}, which does not exist`);
    return path;
  }
  if (!existsSync(DEFAULT_ONNX_PATH)) {
    throw new Error(
      `YAMNet model not built: ${DEFAULT_ONNX_PATH} is missing. Run \`npm run build:model\` ` +
        "(needs YAMNET_TFLITE or the shared yamnet.tflite), or set YAMNET_ONNX to a built model.",
    );
  }
  return DEFAULT_ONNX_PATH;
}

/**
 * Reads the manifest of the model {@link resolveModelPath} returns. Throws when it is missing or unreadable.
 *
 * @example
 * const { inputs, outputs, classCount } = loadManifest();
 */
export function loadManifest(options: ModelPathOptions = {}): YamnetManifest {
  const path = manifestPathFor(resolveModelPath(options));
  if (!existsSync(path)) {
    throw new Error(`YAMNet manifest ${path} is missing; rebuild with \`npm run build:model\``);
  }
  const manifest = JSON.parse(readFileSync(path, "utf8")) as YamnetManifest;
  if (manifest.schemaVersion !== 1) throw new Error(`${path}: unsupported manifest schemaVersion`);
  return manifest;
}
