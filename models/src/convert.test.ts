import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { computePatches, PATCH_VALUES } from "../../inference-node/src/features/patch-stream.ts";
import { CLASS_COUNT, EMBEDDING_SIZE, SAMPLE_RATE_HZ } from "../../shared/yamnet/constants.ts";
import {
  YAMNET_CLASS_MAP_PATH,
  YAMNET_REFERENCE_DIR,
  YAMNET_TFLITE_PATH,
} from "../../test/harness/shared-assets.ts";
import { seededRandom } from "../../tooling/seeded-random.ts";
import { buildModel } from "./build.ts";
import { convertYamnet, samePads } from "./convert.ts";
import { resolveModelPath } from "./model-paths.ts";
import { decodeWavPcm16 } from "./test-wav.ts";

const FIXTURES_DIR = YAMNET_REFERENCE_DIR;
const CLASS_MAP_PATH = YAMNET_CLASS_MAP_PATH;
/** The fixtures README: "a difference above 0.02 anywhere means a bug". */
const MAX_ABS_DIFF = 0.02;
const MODEL_TEST_TIMEOUT_MS = 120_000;

interface Reference {
  file: string;
  patchHopMs: number;
  patches: number;
  scores: number[][];
}

let session: ort.InferenceSession;

async function score(waveform: Float32Array): Promise<{ scores: Float32Array; patchCount: number }> {
  const patches = computePatches(waveform);
  const input = new Float32Array(patches.length * PATCH_VALUES);
  for (const [i, p] of patches.entries()) input.set(p, i * PATCH_VALUES);
  const out = await session.run({ patches: new ort.Tensor("float32", input, [patches.length, 96, 64]) });
  expect(out.scores.dims).toEqual([patches.length, CLASS_COUNT]);
  expect(out.embeddings.dims).toEqual([patches.length, EMBEDDING_SIZE]);
  return { scores: out.scores.data as Float32Array, patchCount: patches.length };
}

/** Display names by class index; the CSV quotes names that contain commas. */
function classNames(): string[] {
  const lines = readFileSync(CLASS_MAP_PATH, "utf8").trim().split(/\r?\n/).slice(1);
  return lines.map((line) => {
    const name = line.split(",").slice(2).join(",");
    return name.startsWith('"') ? name.slice(1, -1) : name;
  });
}

function topClasses(scores: Float32Array, patchCount: number, count: number): string[] {
  const names = classNames();
  const mean = new Float64Array(CLASS_COUNT);
  for (let i = 0; i < patchCount; i++)
    for (let c = 0; c < CLASS_COUNT; c++) mean[c] += scores[i * CLASS_COUNT + c];
  return Array.from(mean.keys())
    .sort((a, b) => mean[b] - mean[a])
    .slice(0, count)
    .map((c) => names[c]);
}

beforeAll(async () => {
  // Builds the model when missing or stale, so the test never silently skips.
  await buildModel({ ifNeeded: true });
  session = await ort.InferenceSession.create(resolveModelPath());
}, MODEL_TEST_TIMEOUT_MS);

describe("samePads", () => {
  it("pads like TensorFlow SAME: extra pixel at the end", () => {
    expect(samePads(96, 3, 2, 1)).toEqual([0, 1]);
    expect(samePads(64, 3, 2, 1)).toEqual([0, 1]);
    expect(samePads(3, 3, 2, 1)).toEqual([1, 1]);
    expect(samePads(48, 3, 1, 1)).toEqual([1, 1]);
    expect(samePads(6, 1, 1, 1)).toEqual([0, 0]);
  });
});

describe("converted YAMNet vs reference scores", () => {
  const names = readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""));

  it("has fixtures", () => {
    expect(names.length).toBeGreaterThan(0);
  });

  it.each(names)(
    "%s: same patch count, max abs diff < 0.02",
    async (name) => {
      const reference = JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.json`), "utf8")) as Reference;
      const wav = decodeWavPcm16(readFileSync(join(FIXTURES_DIR, reference.file)));
      expect(wav.sampleRateHz).toBe(SAMPLE_RATE_HZ);
      const { scores, patchCount } = await score(wav.samples);
      expect(patchCount).toBe(reference.patches);
      let maxDiff = 0;
      for (let i = 0; i < patchCount; i++) {
        for (let c = 0; c < CLASS_COUNT; c++) {
          maxDiff = Math.max(maxDiff, Math.abs(scores[i * CLASS_COUNT + c] - reference.scores[i][c]));
        }
      }
      expect(maxDiff).toBeLessThan(MAX_ABS_DIFF);
    },
    MODEL_TEST_TIMEOUT_MS,
  );
});

describe("YAMNet known answers (top 10 of clip-mean scores)", () => {
  const samples = 3 * SAMPLE_RATE_HZ;

  it("3 s of zeros → Silence", async () => {
    const { scores, patchCount } = await score(new Float32Array(samples));
    expect(topClasses(scores, patchCount, 10)).toContain("Silence");
  });

  it("3 s of uniform noise in [-1, 1] → White noise", async () => {
    // Seeded so the input is the same on every run.
    const random = seededRandom(12345);
    const noise = new Float32Array(samples);
    for (let n = 0; n < samples; n++) noise[n] = random() * 2 - 1;
    const { scores, patchCount } = await score(noise);
    expect(topClasses(scores, patchCount, 10)).toContain("White noise");
  });

  it("3 s of a 440 Hz sine → Sine wave", async () => {
    const sine = new Float32Array(samples);
    for (let n = 0; n < samples; n++) sine[n] = Math.sin((2 * Math.PI * 440 * n) / SAMPLE_RATE_HZ);
    const { scores, patchCount } = await score(sine);
    expect(topClasses(scores, patchCount, 10)).toContain("Sine wave");
  });
});

describe("the int8 graph (issue 21)", () => {
  const tflite = readFileSync(YAMNET_TFLITE_PATH);
  const integerOps = (precision: "int8" | "float") =>
    convertYamnet(tflite, { precision })
      .convertedOps.filter((op) => op.onnxOps.includes("MatMulIntegerToFloat"))
      .map((op) => op.tfliteIndex);

  it("runs the pointwise convolutions from 512 channels and the dense layer as integer MatMuls", () => {
    // TFLite operators 38–56: the 1×1 convolutions with 512 or 1024 input channels; 58: FULLY_CONNECTED.
    expect(integerOps("int8")).toEqual([38, 41, 44, 47, 50, 53, 56, 58]);
    expect(integerOps("float")).toEqual([]);
  });

  it(
    "scores like the float graph, and a patch alike alone or in a batch",
    async () => {
      const reference = JSON.parse(readFileSync(join(FIXTURES_DIR, "laugh_027.json"), "utf8")) as Reference;
      const patches = computePatches(
        decodeWavPcm16(readFileSync(join(FIXTURES_DIR, reference.file))).samples,
      );
      const input = new Float32Array(patches.length * PATCH_VALUES);
      for (const [i, p] of patches.entries()) input.set(p, i * PATCH_VALUES);
      const tensor = new ort.Tensor("float32", input, [patches.length, 96, 64]);
      const float = await ort.InferenceSession.create(convertYamnet(tflite, { precision: "float" }).onnx);
      const floatScores = (await float.run({ patches: tensor })).scores.data;
      const int8Scores = (await session.run({ patches: tensor })).scores.data;
      expect(int8Scores.length).toBe(floatScores.length);
      let maxDiff = 0;
      for (let i = 0; i < int8Scores.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(Number(int8Scores[i]) - Number(floatScores[i])));
      }
      expect(maxDiff).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThan(1e-3);
      const k = 5;
      const alone = await session.run({
        patches: new ort.Tensor("float32", patches[k], [1, 96, 64]),
      });
      for (let c = 0; c < CLASS_COUNT; c++) {
        expect(Number(alone.scores.data[c])).toBeCloseTo(Number(int8Scores[k * CLASS_COUNT + c]), 6);
      }
      await float.release();
    },
    MODEL_TEST_TIMEOUT_MS,
  );
});
