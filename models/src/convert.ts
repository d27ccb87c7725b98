/**
 * @module
 * Converts the network half of YAMNet's TFLite graph (from the log-mel patch tensor on) into an ONNX graph
 * that takes `patches` [N, 96, 64] and returns `scores` [N, 521] and `embeddings` [N, 1024], plus, when a laughter
 * head is given, `laughter` [N] (models/src/head/fold-head.ts). The TFLite front end
 * (framing, int8 DFT, int8 mel matrix) is deliberately not converted: the float front end in
 * inference-node/src/features is exact, and the graph's int8 DFT is not.
 *
 * TFLite activations are NHWC; ONNX Conv wants NCHW, so activations are NCHW throughout and the weights are
 * transposed at build time. With `precision: "int8"` (the default) the wide pointwise convolutions and the dense
 * layer keep TFLite's int8 weights as integer MatMuls (models/src/int8-matmul.ts); every other int8 weight, and
 * all of them with `precision: "float"`, is dequantised to float32 here.
 */
import { CLASS_COUNT, EMBEDDING_SIZE, MEL_BANDS, PATCH_FRAMES } from "../../shared/yamnet/constants.ts";
import { type FoldableHead, headGraph, LAUGHTER_NAME } from "./head/fold-head.ts";
import {
  INT8_MIN_INPUT_CHANNELS,
  type Int8MatMulSpec,
  int8MatMulGraph,
  int8Weight,
  MS_DOMAIN,
  MS_OPSET,
} from "./int8-matmul.ts";
import { encodeOnnxModel, ONNX_DATA_TYPE, type OnnxNode, type OnnxTensor } from "./onnx-writer.ts";
import { BUILTIN_OP, readTflite, TENSOR_TYPE, type TfliteModel, type TfliteTensor } from "./tflite-reader.ts";

/** ONNX IR version and default-domain opset the converter targets. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
/** Graph input and output names the engine relies on. */
export const INPUT_NAME = "patches";
export const SCORES_NAME = "scores";
export const EMBEDDINGS_NAME = "embeddings";

/** TFLite `ActivationFunctionType` values (schema.fbs). */
const ACTIVATION = Object.freeze({ NONE: 0, RELU: 1, RELU6: 3 } as const);
/** TFLite `Padding` values (schema.fbs). */
const PADDING = Object.freeze({ SAME: 0, VALID: 1 } as const);

/** What the converter produced, for logs and the manifest. */
export interface ConversionResult {
  onnx: Uint8Array;
  /** TFLite operator indices converted, with the ONNX op types they became. */
  convertedOps: { tfliteIndex: number; onnxOps: string[] }[];
  /** Index of the TFLite tensor used as the network input (the [1, 96, 64, 1] patch). */
  patchTensorIndex: number;
}

/** How the int8 weights of the TFLite file are carried into the graph. */
export const PRECISIONS = ["int8", "float"] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Options for {@link convertYamnet}. */
export interface ConvertOptions {
  producerVersion?: string;
  /**
   * "int8" (default): pointwise convolutions with at least {@link INT8_MIN_INPUT_CHANNELS} input channels and the
   * dense layer run as integer MatMuls on TFLite's int8 weights (1.4× less CPU per patch, scores within 3·10⁻⁴
   * of the float graph; models/README.md). "float": every weight dequantised to float32, for comparison.
   */
  precision?: Precision;
  /** The laughter head to fold in as the `laughter` output. */
  head?: FoldableHead;
}

/** Dequantises (or copies) a constant tensor to float32, honouring per-axis scales. */
function constantFloat(model: TfliteModel, tensor: TfliteTensor): Float32Array {
  const raw = model.buffers[tensor.bufferIndex];
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (!raw || raw.length === 0)
    throw new Error(`tensor ${tensor.index} (${tensor.name}) has no constant data`);
  // Copy first: buffer data inside the flatbuffer is not guaranteed to be 4-byte aligned.
  const copy = raw.slice();
  if (tensor.type === TENSOR_TYPE.FLOAT32) return new Float32Array(copy.buffer, 0, count);
  if (tensor.type !== TENSOR_TYPE.INT8) {
    throw new Error(`tensor ${tensor.index} (${tensor.name}): unsupported constant type ${tensor.type}`);
  }
  const q = new Int8Array(copy.buffer, 0, count);
  const { scale, zeroPoint, quantizedDimension } = tensor.quantization;
  if (scale.length === 0) throw new Error(`int8 tensor ${tensor.index} (${tensor.name}) has no scale`);
  // Elements between consecutive indices of the quantised axis (row-major).
  const axisSize = tensor.shape[quantizedDimension] ?? 1;
  let axisStride = 1;
  for (let d = quantizedDimension + 1; d < tensor.shape.length; d++) axisStride *= tensor.shape[d];
  const perAxis = scale.length > 1;
  if (perAxis && scale.length !== axisSize) {
    throw new Error(`tensor ${tensor.index}: ${scale.length} scales for axis of size ${axisSize}`);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const c = perAxis ? Math.floor(i / axisStride) % axisSize : 0;
    const zp = Number(zeroPoint[c] ?? 0n);
    out[i] = (q[i] - zp) * scale[c];
  }
  return out;
}

/** Transposes a 4-D row-major array by `perm`. */
function transpose4(
  data: Float32Array,
  shape: number[],
  perm: number[],
): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const out = new Float32Array(data.length);
  let o = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      for (let c = 0; c < outShape[2]; c++) {
        for (let d = 0; d < outShape[3]; d++) {
          const idx = [a, b, c, d];
          let src = 0;
          for (let k = 0; k < 4; k++) src += idx[k] * inStrides[perm[k]];
          out[o++] = data[src];
        }
      }
    }
  }
  return { data: out, shape: outShape };
}

/**
 * TFLite SAME padding for one spatial axis: total padding is split with the extra pixel at the end
 * (TensorFlow's convention; ONNX SAME_UPPER agrees, but explicit pads make the model independent of it).
 */
export function samePads(inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const outSize = Math.ceil(inSize / stride);
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const total = Math.max((outSize - 1) * stride + effectiveKernel - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Converts YAMNet's TFLite flatbuffer to ONNX bytes.
 *
 * @example
 * const { onnx } = convertYamnet(readFileSync("yamnet.tflite"));
 * writeFileSync("yamnet.onnx", onnx);
 */
export function convertYamnet(tfliteBytes: Uint8Array, options: ConvertOptions = {}): ConversionResult {
  const model = readTflite(tfliteBytes);
  const { tensors, operators } = model;
  // The network starts at the first CONV_2D; its input is the [1, 96, 64, 1] patch.
  const firstConv = operators.findIndex((op) => op.builtinCode === BUILTIN_OP.CONV_2D);
  if (firstConv < 0) throw new Error("no CONV_2D in the TFLite graph");
  const patchTensorIndex = operators[firstConv].inputs[0];
  const patchShape = tensors[patchTensorIndex].shape;
  if (patchShape.join(",") !== `1,${PATCH_FRAMES},${MEL_BANDS},1`) {
    throw new Error(`unexpected patch tensor shape [${patchShape}]`);
  }

  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const convertedOps: ConversionResult["convertedOps"] = [];
  // Float data of constants produced by DEQUANTIZE operators (folded at build time).
  const folded = new Map<number, Float32Array>();
  const names = new Map<number, string>([[patchTensorIndex, "patches_nchw"]]);
  const nameOf = (i: number): string => {
    const existing = names.get(i);
    if (existing) return existing;
    const name = `t${i}`;
    names.set(i, name);
    return name;
  };
  const weightOf = (i: number): Float32Array => folded.get(i) ?? constantFloat(model, tensors[i]);
  // The int8 tensor each DEQUANTIZE output came from, so that an int8 layer can use the bytes as stored.
  const dequantizedFrom = new Map<number, number>();
  const int8 = (options.precision ?? "int8") === "int8";
  // Tensors known to be ≥ 0 (after a ReLU, or their mean): the int8 MatMul quantises only those.
  const nonNegative = new Set<number>();
  const int8WeightOf = (x: number, w: number) =>
    int8 && nonNegative.has(x) ? int8Weight(model, tensors[dequantizedFrom.get(w) ?? w]) : undefined;
  let usesMsDomain = false;
  const addInt8MatMul = (spec: Omit<Int8MatMulSpec, "bias">, bias: number | undefined): void => {
    const graph = int8MatMulGraph({
      ...spec,
      bias: bias !== undefined && bias >= 0 ? weightOf(bias) : undefined,
    });
    nodes.push(...graph.nodes);
    initializers.push(...graph.initializers);
    usesMsDomain = true;
  };
  const addInitializer = (name: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    initializers.push({ name, dims, data });
    return name;
  };

  initializers.push({
    name: "patches_nchw_shape",
    dims: [4],
    data: BigInt64Array.from([-1n, 1n, BigInt(PATCH_FRAMES), BigInt(MEL_BANDS)]),
  });
  nodes.push({
    opType: "Reshape",
    name: "to_nchw",
    inputs: [INPUT_NAME, "patches_nchw_shape"],
    outputs: ["patches_nchw"],
  });

  // Appends the fused activation after a node and returns the final output name.
  const activation = (fused: number, preName: string, outName: string, ops: string[]): void => {
    if (fused === ACTIVATION.NONE) {
      nodes.push({ opType: "Identity", inputs: [preName], outputs: [outName] });
      ops.push("Identity");
    } else if (fused === ACTIVATION.RELU) {
      nodes.push({ opType: "Relu", inputs: [preName], outputs: [outName] });
      ops.push("Relu");
    } else if (fused === ACTIVATION.RELU6) {
      const lo = addInitializer(`${outName}_min`, [], Float32Array.of(0));
      const hi = addInitializer(`${outName}_max`, [], Float32Array.of(6));
      nodes.push({ opType: "Clip", inputs: [preName, lo, hi], outputs: [outName] });
      ops.push("Clip");
    } else {
      throw new Error(`unsupported fused activation ${fused}`);
    }
  };

  for (const op of operators.slice(firstConv)) {
    const ops: string[] = [];
    const out = op.outputs[0];
    const [x, w, b] = op.inputs;
    switch (op.builtinCode) {
      case BUILTIN_OP.DEQUANTIZE: {
        folded.set(out, constantFloat(model, tensors[x]));
        dequantizedFrom.set(out, x);
        ops.push("(folded)");
        break;
      }
      case BUILTIN_OP.CONV_2D:
      case BUILTIN_OP.DEPTHWISE_CONV_2D: {
        const depthwise = op.builtinCode === BUILTIN_OP.DEPTHWISE_CONV_2D;
        const o = op.options;
        if (!o) throw new Error(`operator ${op.index} has no options`);
        // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4,
        // dilation_h 5. DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3,
        // fused_activation_function 4, dilation_w 5, dilation_h 6.
        const padding = o.int8(0);
        const strideW = o.int32(1);
        const strideH = o.int32(2);
        const fused = o.int8(depthwise ? 4 : 3);
        const dilationW = o.int32(depthwise ? 5 : 4, 1);
        const dilationH = o.int32(depthwise ? 6 : 5, 1);
        const inShape = tensors[x].shape; // NHWC
        const wShape = tensors[w].shape;
        const pointwise = !depthwise && wShape[1] === 1 && wShape[2] === 1 && strideH === 1 && strideW === 1;
        const weightQ = pointwise && inShape[3] >= INT8_MIN_INPUT_CHANNELS ? int8WeightOf(x, w) : undefined;
        if (fused === ACTIVATION.RELU || fused === ACTIVATION.RELU6) nonNegative.add(out);
        if (weightQ) {
          // A 1×1 convolution is a MatMul over channels: NCHW → NHWC, the int8 MatMul, the activation, back to
          // NCHW. ORT folds both Transposes into the NCHWc reorders of the float convolutions either side, which
          // it inserts anyway; the activation goes before the second so that nothing stands between them.
          const name = `op${op.index}`;
          nodes.push({
            opType: "Transpose",
            name: `${name}_to_nhwc`,
            inputs: [nameOf(x)],
            outputs: [`${name}_nhwc`],
            attributes: { perm: [0, 2, 3, 1] },
          });
          const innerDims = [inShape[1], inShape[2]];
          addInt8MatMul({ name, input: `${name}_nhwc`, weight: weightQ, output: `${name}_mm`, innerDims }, b);
          ops.push("Transpose", "MatMulIntegerToFloat");
          activation(fused, `${name}_mm`, `${name}_act`, ops);
          nodes.push({
            opType: "Transpose",
            name: `${name}_to_nchw`,
            inputs: [`${name}_act`],
            outputs: [nameOf(out)],
            attributes: { perm: [0, 3, 1, 2] },
          });
          ops.push("Transpose");
          break;
        }
        // Conv weights are OHWI → OIHW; depthwise weights are 1HW(C·M) → (C·M)1HW with group = C.
        const perm = depthwise ? [3, 0, 1, 2] : [0, 3, 1, 2];
        const weight = transpose4(weightOf(w), wShape, perm);
        const kernelH = wShape[1];
        const kernelW = wShape[2];
        let pads = [0, 0, 0, 0];
        if (padding === PADDING.SAME) {
          const [top, bottom] = samePads(inShape[1], kernelH, strideH, dilationH);
          const [left, right] = samePads(inShape[2], kernelW, strideW, dilationW);
          pads = [top, left, bottom, right];
        }
        const inputs = [nameOf(x), addInitializer(`w${op.index}`, weight.shape, weight.data)];
        if (b !== undefined && b >= 0) {
          inputs.push(addInitializer(`b${op.index}`, tensors[b].shape, weightOf(b)));
        }
        const preName = `conv${op.index}`;
        nodes.push({
          opType: "Conv",
          name: `op${op.index}`,
          inputs,
          outputs: [preName],
          attributes: {
            kernel_shape: [kernelH, kernelW],
            strides: [strideH, strideW],
            dilations: [dilationH, dilationW],
            pads,
            group: depthwise ? inShape[3] : 1,
          },
        });
        ops.push("Conv");
        activation(fused, preName, nameOf(out), ops);
        break;
      }
      case BUILTIN_OP.MEAN: {
        const axes = Array.from(new Int32Array(model.buffers[tensors[w].bufferIndex].slice().buffer));
        // NHWC axes 1, 2 (H, W) are NCHW axes 2, 3.
        if (axes.join(",") !== "1,2") throw new Error(`MEAN over axes [${axes}] is not supported`);
        // ReducerOptions: keep_dims 0.
        const keepDims = op.options?.bool(0) ?? false;
        names.set(out, EMBEDDINGS_NAME);
        if (nonNegative.has(x)) nonNegative.add(out);
        nodes.push({
          opType: "ReduceMean",
          name: `op${op.index}`,
          inputs: [nameOf(x)],
          outputs: [EMBEDDINGS_NAME],
          attributes: { axes: [2, 3], keepdims: keepDims ? 1 : 0 },
        });
        if (keepDims) throw new Error("MEAN with keep_dims is not supported (embeddings must be [N, 1024])");
        ops.push("ReduceMean");
        break;
      }
      case BUILTIN_OP.FULLY_CONNECTED: {
        // FullyConnectedOptions: fused_activation_function 0, weights_format 1, keep_num_dims 2.
        const fused = op.options?.int8(0) ?? 0;
        const weightQ = int8WeightOf(x, w);
        if (weightQ) {
          const preName = `gemm${op.index}`;
          addInt8MatMul(
            { name: `op${op.index}`, input: nameOf(x), weight: weightQ, output: preName, innerDims: [] },
            b,
          );
          ops.push("MatMulIntegerToFloat");
          activation(fused, preName, nameOf(out), ops);
          break;
        }
        const wShape = tensors[w].shape; // [out, in]
        const inputs = [nameOf(x), addInitializer(`w${op.index}`, wShape, weightOf(w))];
        if (b !== undefined && b >= 0)
          inputs.push(addInitializer(`b${op.index}`, tensors[b].shape, weightOf(b)));
        const preName = `gemm${op.index}`;
        nodes.push({
          opType: "Gemm",
          name: `op${op.index}`,
          inputs,
          outputs: [preName],
          attributes: { transB: 1 },
        });
        ops.push("Gemm");
        activation(fused, preName, nameOf(out), ops);
        break;
      }
      case BUILTIN_OP.LOGISTIC: {
        if (!model.outputs.includes(out)) throw new Error(`LOGISTIC ${op.index} is not a graph output`);
        names.set(out, SCORES_NAME);
        nodes.push({ opType: "Sigmoid", name: `op${op.index}`, inputs: [nameOf(x)], outputs: [SCORES_NAME] });
        ops.push("Sigmoid");
        break;
      }
      default:
        throw new Error(`unsupported TFLite operator ${op.builtinCode} at index ${op.index}`);
    }
    convertedOps.push({ tfliteIndex: op.index, onnxOps: ops });
  }

  if (!nodes.some((n) => n.outputs.includes(SCORES_NAME))) throw new Error("graph has no scores output");
  if (!nodes.some((n) => n.outputs.includes(EMBEDDINGS_NAME)))
    throw new Error("graph has no embeddings output");
  const outputs = [
    { name: SCORES_NAME, elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", CLASS_COUNT] },
    { name: EMBEDDINGS_NAME, elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", EMBEDDING_SIZE] },
  ];
  if (options.head) {
    const head = headGraph(options.head, EMBEDDINGS_NAME);
    nodes.push(...head.nodes);
    initializers.push(...head.initializers);
    outputs.push({ name: LAUGHTER_NAME, elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N"] });
  }
  // Drop Identity nodes (from unfused activations) by renaming their consumers' inputs.
  const onnx = encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: "giggles-models",
    producerVersion: options.producerVersion ?? "dev",
    graphName: "yamnet",
    docString:
      "YAMNet network (patches → scores, embeddings[, laughter]), converted from yamnet.tflite by models/src/convert.ts",
    nodes: removeIdentities(nodes),
    initializers,
    inputs: [{ name: INPUT_NAME, elemType: ONNX_DATA_TYPE.FLOAT, shape: ["N", PATCH_FRAMES, MEL_BANDS] }],
    outputs,
    domainOpsets: usesMsDomain ? { [MS_DOMAIN]: MS_OPSET } : {},
  });
  return { onnx, convertedOps, patchTensorIndex };
}

/** Removes Identity nodes whose output is not a graph output, rewiring consumers to their input. */
function removeIdentities(nodes: OnnxNode[]): OnnxNode[] {
  const alias = new Map<string, string>();
  const kept: OnnxNode[] = [];
  for (const node of nodes) {
    const inputs = node.inputs.map((i) => alias.get(i) ?? i);
    const isGraphOutput = node.outputs.includes(SCORES_NAME) || node.outputs.includes(EMBEDDINGS_NAME);
    if (node.opType === "Identity" && !isGraphOutput) {
      alias.set(node.outputs[0], inputs[0]);
      continue;
    }
    kept.push({ ...node, inputs });
  }
  return kept;
}
