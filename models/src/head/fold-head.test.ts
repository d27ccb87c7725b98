import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { computePatches, PATCH_VALUES } from "../../../inference-node/src/features/patch-stream.ts";
import { EMBEDDING_SIZE } from "../../../shared/yamnet/constants.ts";
import { YAMNET_REFERENCE_DIR } from "../../../test/harness/shared-assets.ts";
import { buildModel } from "../build.ts";
import { resolveModelPath } from "../model-paths.ts";
import { decodeWavPcm16 } from "../test-wav.ts";
import { loadHeadArtifact } from "./head-artifact.ts";
import { logit, sigmoid } from "./logistic-regression.ts";

const MODEL_TEST_TIMEOUT_MS = 120_000;
let session: ort.InferenceSession;

beforeAll(async () => {
  await buildModel({ ifNeeded: true });
  session = await ort.InferenceSession.create(resolveModelPath());
}, MODEL_TEST_TIMEOUT_MS);

describe("the laughter head folded into the ONNX graph", () => {
  it("returns σ(embeddings · w + b) per patch as `laughter` [N]", async () => {
    const head = loadHeadArtifact();
    const model = { weights: Float32Array.from(head.weights), bias: head.bias };
    const samples = ["laugh_040", "cough_002", "speech_009"].flatMap((name) => {
      const wav = decodeWavPcm16(readFileSync(join(YAMNET_REFERENCE_DIR, `${name}.16k.wav`)));
      return computePatches(wav.samples);
    });
    const input = new Float32Array(samples.length * PATCH_VALUES);
    for (const [i, p] of samples.entries()) input.set(p, i * PATCH_VALUES);
    const out = await session.run({ patches: new ort.Tensor("float32", input, [samples.length, 96, 64]) });
    expect(out.laughter.dims).toEqual([samples.length]);
    const embeddings = out.embeddings.data as Float32Array;
    const laughter = out.laughter.data as Float32Array;
    let maxDiff = 0;
    let high = 0;
    for (let i = 0; i < samples.length; i++) {
      const expected = sigmoid(
        logit(model, embeddings.subarray(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE)),
      );
      maxDiff = Math.max(maxDiff, Math.abs(laughter[i] - expected));
      if (laughter[i] >= head.events.onsetThreshold) high++;
    }
    expect(maxDiff).toBeLessThan(1e-5);
    // The laugh reaches the onset somewhere; the values are not all one constant.
    expect(high).toBeGreaterThan(0);
    expect(high).toBeLessThan(samples.length);
  });

  it("is rejected when the committed weights do not match their version", () => {
    const dir = mkdtempSync(join(tmpdir(), "laughter-head-"));
    const head = loadHeadArtifact();
    const path = join(dir, "laughter-head.json");
    writeFileSync(path, JSON.stringify({ ...head, bias: head.bias + 1 }));
    expect(() => loadHeadArtifact(path)).toThrow(/does not match its weights/);
    writeFileSync(path, JSON.stringify({ ...head, weights: head.weights.slice(1) }));
    expect(() => loadHeadArtifact(path)).toThrow(/invalid.*weights/s);
  });
});
