import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel, CONVERTER_SOURCES, loadTflite } from "./build.ts";
import { loadHeadArtifact } from "./head/head-artifact.ts";
import { loadManifest, manifestPathFor, resolveModelPath } from "./model-paths.ts";

describe("buildModel", () => {
  const dir = mkdtempSync(join(tmpdir(), "yamnet-build-"));
  const onnxPath = join(dir, "yamnet.onnx");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // How long it takes is printed by the build (`npm run build:model`), not asserted: timed targets live in
  // benchmarks, not tests.
  it("builds the model and manifest", async () => {
    const result = await buildModel({ onnxPath });
    expect(result.status).toBe("built");
    expect(existsSync(onnxPath)).toBe(true);
    const manifest = JSON.parse(readFileSync(manifestPathFor(onnxPath), "utf8"));
    expect(manifest).toMatchObject({
      opset: 17,
      irVersion: 8,
      sampleRateHz: 16_000,
      classCount: 521,
      tfliteSha256: "469be6a3421cbc52cf97e9f2f966cba984198e8e7af9854d68b3e3ebb1e04194",
      inputs: [{ name: "patches", shape: ["N", 96, 64] }],
    });
  });

  it("--if-needed skips an up-to-date build and redoes a stale one", async () => {
    expect((await buildModel({ onnxPath, ifNeeded: true })).status).toBe("up-to-date");
    const manifestPath = manifestPathFor(onnxPath);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, converterVersion: "old" }));
    expect((await buildModel({ onnxPath, ifNeeded: true })).status).toBe("built");
    rmSync(onnxPath);
    expect((await buildModel({ onnxPath, ifNeeded: true })).status).toBe("built");
  });

  it("builds the int8 graph by default; --float builds the float one, which the default build replaces", async () => {
    expect(loadManifest({ env: { YAMNET_ONNX: onnxPath } }).precision).toBe("int8");
    const floatPath = join(dir, "yamnet-float.onnx");
    expect((await buildModel({ onnxPath: floatPath, precision: "float" })).manifest.precision).toBe("float");
    expect(readFileSync(floatPath).length).toBeGreaterThan(readFileSync(onnxPath).length);
    const rebuilt = await buildModel({ onnxPath: floatPath, ifNeeded: true });
    expect(rebuilt).toMatchObject({ status: "built", manifest: { precision: "int8" } });
  });

  it("finds the model through YAMNET_ONNX", () => {
    const env = { YAMNET_ONNX: onnxPath };
    expect(resolveModelPath({ env })).toBe(onnxPath);
    expect(loadManifest({ env }).outputs.map((o) => o.name)).toEqual(["scores", "embeddings", "laughter"]);
    expect(loadManifest({ env }).headVersion).toBe(loadHeadArtifact().version);
    expect(() => resolveModelPath({ env: { YAMNET_ONNX: join(dir, "nope.onnx") } })).toThrow(/YAMNET_ONNX/);
  });

  it("--if-needed with YAMNET_ONNX checks a model copied from elsewhere and needs no TFLite file", async () => {
    const copyDir = join(dir, "copied");
    mkdirSync(copyDir);
    const copied = join(copyDir, "yamnet.onnx");
    copyFileSync(onnxPath, copied);
    // A TFLite path that does not exist: reading it would throw.
    const env = { YAMNET_ONNX: copied, YAMNET_TFLITE: join(dir, "absent.tflite") };
    await expect(buildModel({ ifNeeded: true, env })).rejects.toThrow(
      /YAMNET_ONNX.*manifest.json is missing/,
    );
    copyFileSync(manifestPathFor(onnxPath), manifestPathFor(copied));
    const result = await buildModel({ ifNeeded: true, env });
    expect(result).toMatchObject({ status: "provided", onnxPath: copied });
    writeFileSync(copied, "truncated");
    await expect(buildModel({ ifNeeded: true, env })).rejects.toThrow(/does not match its manifest/);
  });

  it("names YAMNET_TFLITE when the TFLite file is wrong or missing", async () => {
    await expect(loadTflite({ env: { YAMNET_TFLITE: join(dir, "missing.tflite") } })).rejects.toThrow(
      /YAMNET_TFLITE/,
    );
    const bogus = join(dir, "bogus.tflite");
    writeFileSync(bogus, "not a model");
    await expect(loadTflite({ env: { YAMNET_TFLITE: bogus } })).rejects.toThrow(/sha256.*YAMNET_TFLITE/);
  });
});

describe("the model's version", () => {
  // Issue 18: head experiments (an analysis-only max-pooled output) lived in the converter, so editing an
  // experiment changed the shipped model's version.
  it("hashes the converter, the head's folding and the committed head, and no experiment", () => {
    expect(CONVERTER_SOURCES).toEqual([
      "convert.ts",
      "int8-matmul.ts",
      "tflite-reader.ts",
      "onnx-writer.ts",
      "head/fold-head.ts",
      "../head/laughter-head.json",
    ]);
    for (const file of CONVERTER_SOURCES) {
      const text = readFileSync(join(import.meta.dirname, file), "utf8");
      expect(text, file).not.toMatch(/maxPooled|embeddings_max|compare-variants|experiment/i);
    }
  });
});
