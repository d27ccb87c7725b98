/**
 * @module
 * Where the read-only shared assets live: `../shared` beside the repository (in CI too), or
 * `GIGGLES_SHARED_DIR`. They are never copied into the repository (licences, model files).
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export const SHARED_DIR = resolve(process.env.GIGGLES_SHARED_DIR ?? resolve(REPO_ROOT, "..", "shared"));
/** Real labelled recordings (`manifest.csv`). */
export const DEV_AUDIO_DIR = resolve(SHARED_DIR, "audio/dev");
/** Independent float YAMNet scores for the dev recordings (`<name>.16k.wav` + `<name>.json`). */
export const YAMNET_REFERENCE_DIR = resolve(SHARED_DIR, "fixtures/yamnet-reference");
export const YAMNET_TFLITE_PATH = resolve(SHARED_DIR, "models/yamnet.tflite");
export const YAMNET_CLASS_MAP_PATH = resolve(SHARED_DIR, "models/yamnet_class_map.csv");
