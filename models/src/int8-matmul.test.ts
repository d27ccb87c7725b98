import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../tooling/seeded-random.ts";
import { type Int8Weight, int8MatMulGraph, int8Weight, MS_DOMAIN, MS_OPSET } from "./int8-matmul.ts";
import { encodeOnnxModel, ONNX_DATA_TYPE } from "./onnx-writer.ts";
import { TENSOR_TYPE, type TfliteModel, type TfliteTensor } from "./tflite-reader.ts";

const INPUTS = 64;
const OUTPUTS = 24;
const random = seededRandom(2121);
const weight: Int8Weight = {
  data: Int8Array.from({ length: OUTPUTS * INPUTS }, () => Math.round(random() * 254) - 127),
  rows: OUTPUTS,
  columns: INPUTS,
  scale: 0.0123,
};
const bias = Float32Array.from({ length: OUTPUTS }, () => random() - 0.5);

/** y = x · (W·scale)ᵀ + bias in float64: what the int8 graph approximates. */
function reference(x: Float32Array, rows: number): Float64Array {
  const y = new Float64Array(rows * OUTPUTS);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < OUTPUTS; o++) {
      let sum = 0;
      for (let i = 0; i < INPUTS; i++) sum += x[r * INPUTS + i] * weight.data[o * INPUTS + i] * weight.scale;
      y[r * OUTPUTS + o] = sum + bias[o];
    }
  }
  return y;
}

/** Rows like the activations after a ReLU: zeros, small values, and a few large ones. */
function activations(rows: number): Float32Array {
  return Float32Array.from({ length: rows * INPUTS }, () => {
    const u = random();
    if (u < 0.3) return 0;
    return u > 0.97 ? 40 * random() : random() * 0.5;
  });
}

async function session(): Promise<ort.InferenceSession> {
  const graph = int8MatMulGraph({ name: "mm", input: "x", weight, bias, output: "y", innerDims: [] });
  const onnx = encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: "test",
    producerVersion: "0",
    graphName: "int8",
    nodes: graph.nodes,
    initializers: graph.initializers,
    inputs: [{ name: "x", elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", INPUTS] }],
    outputs: [{ name: "y", elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", OUTPUTS] }],
    domainOpsets: { [MS_DOMAIN]: MS_OPSET },
  });
  return ort.InferenceSession.create(onnx);
}

async function run(s: ort.InferenceSession, x: Float32Array, rows: number): Promise<Float32Array> {
  const out = await s.run({ x: new ort.Tensor("float32", x, [rows, INPUTS]) });
  const y = out.y.data;
  if (!(y instanceof Float32Array)) throw new Error("float32 output expected");
  return y;
}

describe("int8MatMulGraph", () => {
  it("matches the float product to 16-bit precision, with outliers in a row", async () => {
    const rows = 40;
    const x = activations(rows);
    const y = await run(await session(), x, rows);
    const expected = reference(x, rows);
    // Per row, the error of each activation is at most (row max)/(255·256·2): bound it by Σ|w·scale| of a row.
    for (let r = 0; r < rows; r++) {
      let rowMax = 0;
      for (let i = 0; i < INPUTS; i++) rowMax = Math.max(rowMax, x[r * INPUTS + i]);
      const step = rowMax / (255 * 256);
      for (let o = 0; o < OUTPUTS; o++) {
        let weightSum = 0;
        for (let i = 0; i < INPUTS; i++) weightSum += Math.abs(weight.data[o * INPUTS + i] * weight.scale);
        expect(Math.abs(y[r * OUTPUTS + o] - expected[r * OUTPUTS + o])).toBeLessThanOrEqual(
          step * weightSum + 1e-5,
        );
      }
    }
  });

  it("gives a row the same result alone as in a batch (every scale is per row)", async () => {
    const s = await session();
    const rows = 16;
    const x = activations(rows);
    const batched = await run(s, x, rows);
    for (const r of [0, 7, 15]) {
      const alone = await run(s, x.slice(r * INPUTS, (r + 1) * INPUTS), 1);
      expect(Array.from(alone)).toEqual(Array.from(batched.subarray(r * OUTPUTS, (r + 1) * OUTPUTS)));
    }
  });

  it("turns an all-zero row into the bias", async () => {
    const y = await run(await session(), new Float32Array(INPUTS), 1);
    for (let o = 0; o < OUTPUTS; o++) expect(y[o]).toBeCloseTo(bias[o], 6);
  });
});

describe("int8Weight", () => {
  const tensor = (type: number, scale: number[], zeroPoint: bigint[]): TfliteTensor => ({
    index: 0,
    name: "w",
    shape: [2, 1, 1, 3],
    type,
    bufferIndex: 0,
    quantization: { scale: Float32Array.from(scale), zeroPoint, quantizedDimension: 0 },
  });
  const model: TfliteModel = {
    tensors: [],
    operators: [],
    inputs: [],
    outputs: [],
    buffers: [Uint8Array.from([1, 2, 3, 253, 254, 255])],
  };

  it("reads a per-tensor int8 weight as [outputs, inputs] with its scale", () => {
    const w = int8Weight(model, tensor(TENSOR_TYPE.INT8, [0.5], [0n]));
    expect(w).toMatchObject({ rows: 2, columns: 3, scale: 0.5 });
    expect(Array.from(w?.data ?? [])).toEqual([1, 2, 3, -3, -2, -1]);
  });

  it("leaves float, per-channel and zero-point weights to the float path", () => {
    expect(int8Weight(model, tensor(TENSOR_TYPE.FLOAT32, [], []))).toBeUndefined();
    expect(int8Weight(model, tensor(TENSOR_TYPE.INT8, [0.5, 0.25], [0n, 0n]))).toBeUndefined();
    expect(int8Weight(model, tensor(TENSOR_TYPE.INT8, [0.5], [3n]))).toBeUndefined();
  });
});
