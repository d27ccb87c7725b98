import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodeOnnxModel, ONNX_DATA_TYPE } from "./onnx-writer.ts";

/** The model fields no test here varies. */
const HEADER = { irVersion: 8, opsetVersion: 17, producerName: "test", producerVersion: "0", graphName: "g" };

describe("encodeOnnxModel", () => {
  it("encodes a model onnxruntime can run (Gemm + Relu, dynamic batch)", async () => {
    const bytes = encodeOnnxModel({
      ...HEADER,
      nodes: [
        {
          opType: "Gemm",
          inputs: ["x", "w", "b"],
          outputs: ["y0"],
          attributes: { transB: 1, alpha: { float: 2 } },
        },
        { opType: "Relu", inputs: ["y0"], outputs: ["y"] },
      ],
      initializers: [
        { name: "w", dims: [2, 3], data: Float32Array.of(1, 0, 0, 0, 1, -1) },
        { name: "b", dims: [2], data: Float32Array.of(0.5, -10) },
      ],
      inputs: [{ name: "x", elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", 3] }],
      outputs: [{ name: "y", elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", 2] }],
    });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({
      x: new ort.Tensor("float32", Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]),
    });
    // Row 0: 2·[1, 2 − 3] + [0.5, −10] → relu → [2.5, 0]; row 1: 2·[4, −1] + b → [8.5, 0].
    expect(Array.from(out.y.data as Float32Array)).toEqual([2.5, 0, 8.5, 0]);
  });

  it("encodes int8 and uint8 initializers and nodes of another domain (ONNX Runtime's contrib ops)", async () => {
    const bytes = encodeOnnxModel({
      ...HEADER,
      nodes: [
        {
          opType: "MatMulIntegerToFloat",
          domain: "com.microsoft",
          inputs: ["a", "b", "a_scale", "b_scale", "a_zp"],
          outputs: ["y"],
        },
      ],
      initializers: [
        { name: "b", dims: [2, 2], data: Int8Array.of(1, -2, -128, 127) },
        { name: "a_scale", dims: [], data: Float32Array.of(0.5) },
        { name: "b_scale", dims: [], data: Float32Array.of(2) },
        { name: "a_zp", dims: [], data: Uint8Array.of(10) },
      ],
      inputs: [{ name: "a", elemType: ONNX_DATA_TYPE.UINT8, shape: ["N", 2] }],
      outputs: [{ name: "y", elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", 2] }],
      domainOpsets: { "com.microsoft": 1 },
    });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ a: new ort.Tensor("uint8", Uint8Array.of(11, 12), [1, 2]) });
    // (a − 10) = [1, 2]; [1, 2] · [[1, −2], [−128, 127]] = [−255, 252]; × 0.5 × 2.
    expect(out.y.data).toEqual(Float32Array.of(-255, 252));
  });
});
