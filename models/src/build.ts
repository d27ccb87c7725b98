/**
 * @module
 * Builds `models/build/yamnet.onnx` and its manifest from YAMNet's TFLite file. Run through `models/build.mjs`
 * (`npm run build:model`, and `postinstall` with `--if-needed`).
 *
 * The TFLite file is found, in order, at `YAMNET_TFLITE`, at `<repo>/../shared/models/yamnet.tflite`, or is
 * downloaded from `YAMNET_TFLITE_URL` (default: the TF Hub YAMNet TFLite URL) into models/build. Its sha256 is
 * checked against the pinned value in every case, because the converter and the fixtures are tied to that file.
 * With `--if-needed` and `YAMNET_ONNX` set, nothing is built: the model there (and its manifest) is checked.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import {
  CLASS_COUNT,
  EMBEDDING_SIZE,
  MEL_BANDS,
  PATCH_FRAMES,
  PATCH_HOP_MS,
  SAMPLE_RATE_HZ,
} from "../../shared/yamnet/constants.ts";
import {
  convertYamnet,
  EMBEDDINGS_NAME,
  INPUT_NAME,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type Precision,
  SCORES_NAME,
} from "./convert.ts";
import { LAUGHTER_NAME } from "./head/fold-head.ts";
import { loadHeadArtifact } from "./head/head-artifact.ts";
import {
  DEFAULT_ONNX_PATH,
  FLOAT_ONNX_PATH,
  MODEL_BUILD_DIR,
  MODELS_DIR,
  manifestPathFor,
  type YamnetManifest,
} from "./model-paths.ts";

/** sha256 of the yamnet.tflite the converter and fixtures were made for. */
export const YAMNET_TFLITE_SHA256 = "469be6a3421cbc52cf97e9f2f966cba984198e8e7af9854d68b3e3ebb1e04194";
/** Default download URL (override with YAMNET_TFLITE_URL); the sha256 check still applies. */
export const DEFAULT_TFLITE_URL =
  "https://tfhub.dev/google/lite-model/yamnet/classification/tflite/1?lite-format=tflite";
/**
 * Sources whose content defines the converter version (a change makes built models stale, and the ONNX's
 * hash, `laughter_events.model_version`, new): the converter, the head's folding and the committed head.
 * Training and its experiments stay out of this list, so editing them never changes the shipped model.
 */
export const CONVERTER_SOURCES: readonly string[] = [
  "convert.ts",
  "int8-matmul.ts",
  "tflite-reader.ts",
  "onnx-writer.ts",
  "head/fold-head.ts",
  "../head/laughter-head.json",
];
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Options of {@link buildModel}. */
export interface BuildOptions {
  env?: Record<string, string | undefined>;
  /** Only rebuild when the .onnx is missing or stale. */
  ifNeeded?: boolean;
  /** Output .onnx path; the manifest goes next to it. */
  onnxPath?: string;
  /** Default "int8"; "float" builds the all-float graph for comparison (models/README.md). */
  precision?: Precision;
  log?: (message: string) => void;
}

/** Outcome of {@link buildModel}. */
export interface BuildResult {
  /** "provided": `--if-needed` with `YAMNET_ONNX` set, pointing at a current model built elsewhere. */
  status: "built" | "up-to-date" | "provided";
  onnxPath: string;
  manifest: YamnetManifest;
  durationMs: number;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Hash of the converter sources, recorded in the manifest. */
export function converterVersion(): string {
  const hash = createHash("sha256");
  for (const file of CONVERTER_SOURCES) {
    hash.update(file);
    hash.update(readFileSync(join(MODELS_DIR, "src", file)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * Why the existing build must be redone, or undefined when it is current. `precision` undefined accepts a
 * model of either precision (one built elsewhere and provided through YAMNET_ONNX).
 */
function staleReason(onnxPath: string, precision: Precision | undefined): string | undefined {
  const manifestPath = manifestPathFor(onnxPath);
  if (!existsSync(onnxPath)) return `${onnxPath} is missing`;
  if (!existsSync(manifestPath)) return `${manifestPath} is missing`;
  let manifest: YamnetManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as YamnetManifest;
  } catch {
    return `${manifestPath} is unreadable`;
  }
  if (manifest.tfliteSha256 !== YAMNET_TFLITE_SHA256) return "built from a different yamnet.tflite";
  if (manifest.converterVersion !== converterVersion()) return "converter sources changed";
  const built = manifest.precision ?? "float";
  if (precision !== undefined && built !== precision) return `it is the ${built} graph, ${precision} wanted`;
  if (manifest.onnxSha256 !== sha256(readFileSync(onnxPath)))
    return `${onnxPath} does not match its manifest`;
  return undefined;
}

function checkSha(bytes: Uint8Array, source: string): void {
  const actual = sha256(bytes);
  if (actual !== YAMNET_TFLITE_SHA256) {
    throw new Error(
      `${source} has sha256 ${actual}, expected ${YAMNET_TFLITE_SHA256}. ` +
        "Set YAMNET_TFLITE to the path of the right yamnet.tflite.",
    );
  }
}

/**
 * Finds (or downloads) the TFLite file and returns its verified bytes.
 *
 * @example
 * const { bytes, source } = await loadTflite({ env: process.env });
 */
export async function loadTflite(
  options: { env?: Record<string, string | undefined>; log?: (message: string) => void } = {},
): Promise<{ bytes: Uint8Array; source: string }> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  if (env.YAMNET_TFLITE) {
    // An explicit path that is wrong is an error, not a reason to look elsewhere.
    const path = resolve(env.YAMNET_TFLITE);
    if (!existsSync(path)) throw new Error(`YAMNET_TFLITE points at ${path}, which does not exist`);
    const bytes = readFileSync(path);
    checkSha(bytes, `YAMNET_TFLITE (${path})`);
    return { bytes, source: path };
  }
  const candidates = [resolve(MODELS_DIR, "..", "..", "shared", "models", "yamnet.tflite")];
  const cached = join(MODEL_BUILD_DIR, "yamnet.tflite");
  candidates.push(cached);
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    checkSha(bytes, path);
    return { bytes, source: path };
  }
  const url = env.YAMNET_TFLITE_URL || DEFAULT_TFLITE_URL;
  log(`yamnet.tflite not found locally; downloading ${url}`);
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
      redirect: "follow",
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new Error(
      `Could not find yamnet.tflite (looked at ${candidates.join(", ")}) nor download it from ${url}: ` +
        `${(error as Error).message}. Set YAMNET_TFLITE to the path of yamnet.tflite ` +
        `(sha256 ${YAMNET_TFLITE_SHA256}), or YAMNET_TFLITE_URL to a URL serving it.`,
      { cause: error },
    );
  }
  checkSha(bytes, `download from ${url}`);
  writeAtomic(cached, bytes);
  return { bytes, source: url };
}

/** Writes via a temporary file and rename, so concurrent readers never see a partial model. */
function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(resolve(path, ".."), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/**
 * Converts yamnet.tflite to ONNX and writes the model and its manifest.
 *
 * @example
 * const { status, onnxPath } = await buildModel({ ifNeeded: true });
 */
export async function buildModel(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const onnxPath = resolve(options.onnxPath ?? DEFAULT_ONNX_PATH);
  const manifestPath = manifestPathFor(onnxPath);
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  if (options.ifNeeded && options.onnxPath === undefined && env.YAMNET_ONNX) {
    // A model built once elsewhere and copied with its manifest (infra/node/DEPLOY.md): check it and build
    // nothing, so a box without yamnet.tflite can still `npm ci`.
    const provided = resolve(env.YAMNET_ONNX);
    const reason = staleReason(provided, undefined);
    if (reason) {
      throw new Error(
        `YAMNET_ONNX (${provided}) cannot be used: ${reason}. Build it with \`npm run build:model\` from ` +
          "this release and copy yamnet.onnx together with yamnet.manifest.json.",
      );
    }
    const manifest = JSON.parse(readFileSync(manifestPathFor(provided), "utf8")) as YamnetManifest;
    return { status: "provided", onnxPath: provided, manifest, durationMs: performance.now() - started };
  }
  const precision = options.precision ?? "int8";
  if (options.ifNeeded) {
    const reason = staleReason(onnxPath, precision);
    if (!reason) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as YamnetManifest;
      return { status: "up-to-date", onnxPath, manifest, durationMs: performance.now() - started };
    }
    log(`rebuilding YAMNet ONNX: ${reason}`);
  }
  const { bytes, source } = await loadTflite({ env, log });
  const version = converterVersion();
  const head = loadHeadArtifact();
  const { onnx } = convertYamnet(bytes, { producerVersion: version, head, precision });
  const manifest: YamnetManifest = {
    schemaVersion: 1,
    onnxFile: basename(onnxPath),
    onnxSha256: sha256(onnx),
    tfliteSha256: YAMNET_TFLITE_SHA256,
    converterVersion: version,
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    precision,
    inputs: [{ name: INPUT_NAME, dtype: "float32", shape: ["N", PATCH_FRAMES, MEL_BANDS] }],
    outputs: [
      { name: SCORES_NAME, dtype: "float32", shape: ["N", CLASS_COUNT] },
      { name: EMBEDDINGS_NAME, dtype: "float32", shape: ["N", EMBEDDING_SIZE] },
      { name: LAUGHTER_NAME, dtype: "float32", shape: ["N"] },
    ],
    headVersion: head.version,
    sampleRateHz: SAMPLE_RATE_HZ,
    classCount: CLASS_COUNT,
    embeddingSize: EMBEDDING_SIZE,
    patchFrames: PATCH_FRAMES,
    melBands: MEL_BANDS,
    patchHopMs: PATCH_HOP_MS,
    builtAt: new Date().toISOString(),
  };
  // Model first, manifest last: a manifest that exists always describes a complete model.
  writeAtomic(onnxPath, onnx);
  writeAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`built ${onnxPath} from ${source}`);
  return { status: "built", onnxPath, manifest, durationMs: performance.now() - started };
}

/**
 * CLI entry used by models/build.mjs: `[--if-needed] [--float]` (`--float`: the all-float graph, into
 * models/build/yamnet-float.onnx, for comparison). Returns the process exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== "--if-needed" && a !== "--float");
  if (unknown.length > 0) {
    console.error(`usage: node models/build.mjs [--if-needed] [--float]  (unknown: ${unknown.join(" ")})`);
    return 2;
  }
  const float = argv.includes("--float");
  try {
    const result = await buildModel({
      ifNeeded: argv.includes("--if-needed"),
      log: (m) => console.log(`[yamnet] ${m}`),
      ...(float ? { precision: "float", onnxPath: FLOAT_ONNX_PATH } : {}),
    });
    console.log(`[yamnet] ${result.status}: ${result.onnxPath} (${Math.round(result.durationMs)} ms)`);
    return 0;
  } catch (error) {
    console.error(`[yamnet] model build failed: ${(error as Error).message}`);
    return 1;
  }
}
