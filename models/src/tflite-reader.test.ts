import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { YAMNET_TFLITE_PATH } from "../../test/harness/shared-assets.ts";
import { BUILTIN_OP, readTflite, TENSOR_TYPE } from "./tflite-reader.ts";

const TFLITE_PATH = YAMNET_TFLITE_PATH;

describe("readTflite", () => {
  const model = readTflite(readFileSync(TFLITE_PATH));

  it("reads the graph the models README describes", () => {
    expect(model.operators).toHaveLength(60);
    expect(model.inputs).toEqual([0]);
    expect(model.outputs).toEqual([123, 89]);
    expect(model.tensors[0].shape).toEqual([1, 15_600]);
    expect(model.tensors[93].shape).toEqual([1, 96, 64, 1]);
    expect(model.operators[19].builtinCode).toBe(BUILTIN_OP.CONV_2D);
    expect(model.operators[59].builtinCode).toBe(BUILTIN_OP.LOGISTIC);
  });

  it("reads int8 weights with quantisation parameters and buffers", () => {
    const dense = model.tensors[model.operators[58].inputs[1]];
    expect(dense.shape).toEqual([521, 1024]);
    expect(dense.type).toBe(TENSOR_TYPE.INT8);
    expect(dense.quantization.scale.length).toBeGreaterThan(0);
    expect(model.buffers[dense.bufferIndex].length).toBe(521 * 1024);
  });

  it("reads builtin options (conv stride and fused ReLU)", () => {
    const conv = model.operators[19];
    // Conv2DOptions: padding 0 (SAME = 0), stride_w 1, stride_h 2, fused_activation_function 3 (RELU = 1).
    expect(conv.options?.int8(0)).toBe(0);
    expect(conv.options?.int32(1)).toBe(2);
    expect(conv.options?.int32(2)).toBe(2);
    expect(conv.options?.int8(3)).toBe(1);
  });

  it("rejects files that are not TFLite", () => {
    expect(() => readTflite(new Uint8Array(16))).toThrow(/not a TFLite/);
  });
});
