/**
 * @module
 * YAMNet's int8 weights as integer MatMuls in the ONNX graph (issue 21). The TFLite file stores the pointwise
 * (1×1) convolution and dense weights as int8 with one scale per tensor and zero point 0; {@link int8MatMulGraph}
 * keeps those bytes and that scale as they are (nothing is re-quantised) and multiplies them with a 16-bit
 * quantisation of the activation, so that ONNX Runtime runs the products on its u8 × s8 (VNNI) kernels.
 *
 * Why 16 bits in two halves, and per row: the activation quantised to 8 bits moved YAMNet's scores by up to 0.75
 * (one scale per run, ORT's `DynamicQuantizeMatMul`) or 0.063 (one scale per row) from the float reference,
 * whose bar is 0.02. Per row (one position of one patch, all its channels) each activation x ≥ 0 (it follows a
 * ReLU, or is the mean of ReLU outputs) is scaled to q = x · 255·256 / (row max) in [0, 65280] and split into
 * hi = round(q / 256) and lo = q − 256·hi + 128 (the rest is in [−128, 128]): two uint8 tensors, two integer
 * products with the same weights,
 *
 *   y = (row max / (255·256)) · (256·(hi·W) + (lo − 128)·W) · w_scale + bias.
 *
 * Every rounding and saturation is done by QuantizeLinear with one scalar scale (ORT's fast path); the per-row
 * scale is one multiplication before and one after.
 * The scores then stay within 3·10⁻⁴ of the float graph, and a patch's outputs never depend on the other patches
 * of its batch (every scale is per row). Inputs are NHWC (`[..., channels]`): the product is over the last axis.
 */
import type { OnnxNode, OnnxTensor } from "./onnx-writer.ts";
import { TENSOR_TYPE, type TfliteModel, type TfliteTensor } from "./tflite-reader.ts";

/** ONNX Runtime's contrib operator domain (`MatMulIntegerToFloat`) and the opset the graph imports. */
export const MS_DOMAIN = "com.microsoft";
export const MS_OPSET = 1;

/**
 * Pointwise convolutions with fewer input channels stay float in the int8 graph: there the activation is large
 * for the work done (48×32 to 6×4 positions), and quantising it, the second product and the NHWC ↔ NCHWc
 * reorders cost more than the integer products save. ORT per-op profile of 16-patch batches (issue 21):
 * 256 → 256 channels at 12×8 was 1.8× slower in int8, 256 → 512 at 6×4 even, 512 → 512 1.4× faster,
 * 512 → 1024 2.1×, 1024 → 1024 4.2×, the dense 1024 → 521 layer 1.9×; the whole graph with the bar at 256
 * took 5 % more CPU than with it at 512.
 */
export const INT8_MIN_INPUT_CHANNELS = 512;

/** An int8 weight matrix [rows = outputs, columns = inputs] with its one scale (zero point 0). */
export interface Int8Weight {
  data: Int8Array;
  rows: number;
  columns: number;
  scale: number;
}

/**
 * The int8 data of a weight whose first axis is the output channel (CONV_2D's OHWI with H = W = 1, or
 * FULLY_CONNECTED's [out, in]) when TFLite stores it with one scale and zero point 0; undefined otherwise (a
 * float tensor, or per-channel scales, which {@link int8MatMulGraph} does not model), and the layer stays float.
 *
 * @example const weight = int8Weight(model, model.tensors[op.inputs[1]]);
 */
export function int8Weight(model: TfliteModel, tensor: TfliteTensor): Int8Weight | undefined {
  const { scale, zeroPoint } = tensor.quantization;
  if (tensor.type !== TENSOR_TYPE.INT8 || scale.length !== 1 || zeroPoint.some((z) => z !== 0n))
    return undefined;
  const rows = tensor.shape[0];
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const raw = model.buffers[tensor.bufferIndex];
  if (!raw || raw.length !== count) {
    throw new Error(
      `int8 tensor ${tensor.index} (${tensor.name}) has ${raw?.length ?? 0} bytes, expected ${count}`,
    );
  }
  // Copy: buffer data inside the flatbuffer is not guaranteed to be aligned.
  return { data: new Int8Array(raw.slice().buffer), rows, columns: count / rows, scale: scale[0] };
}

/** [rows, columns] → [columns, rows]: the MatMul's B is [inputs, outputs]. */
function transposed(weight: Int8Weight): Int8Array {
  const out = new Int8Array(weight.data.length);
  for (let r = 0; r < weight.rows; r++) {
    for (let c = 0; c < weight.columns; c++) out[c * weight.rows + r] = weight.data[r * weight.columns + c];
  }
  return out;
}

/** What {@link int8MatMulGraph} needs. */
export interface Int8MatMulSpec {
  /** Prefix of every node and initializer name. */
  name: string;
  /** Float tensor [N, ...innerDims, weight.columns] (NHWC), every value ≥ 0 (negative values would read as 0). */
  input: string;
  weight: Int8Weight;
  bias?: Float32Array;
  /** Float tensor [N, ...innerDims, weight.rows] it defines. */
  output: string;
  /** The static dimensions between the batch and the channels: [H, W] for a 1×1 convolution, [] for dense. */
  innerDims: number[];
}

/**
 * Nodes and initializers computing `output` = `input` × Wᵀ·w_scale + bias with the int8 weights and the
 * two-half 16-bit activation described in the module comment. The graph must import {@link MS_DOMAIN}.
 *
 * @example
 * const { nodes, initializers } = int8MatMulGraph({ name: "op38", input: "x_nhwc", weight, output: "y", innerDims: [6, 4] });
 */
export function int8MatMulGraph(spec: Int8MatMulSpec): { nodes: OnnxNode[]; initializers: OnnxTensor[] } {
  const { name, weight } = spec;
  const n = (suffix: string) => `${name}_${suffix}`;
  const initializers: OnnxTensor[] = [];
  const constant = (suffix: string, dims: number[], data: OnnxTensor["data"]): string => {
    initializers.push({ name: n(suffix), dims, data });
    return n(suffix);
  };
  const wq = constant("wq", [weight.columns, weight.rows], transposed(weight));
  const wScale = constant("wscale", [], Float32Array.of(weight.scale));
  const outShape = [-1, ...spec.innerDims, weight.rows].map(BigInt);
  const node = (
    opType: string,
    suffix: string,
    inputs: string[],
    extra: Partial<OnnxNode> = {},
  ): OnnxNode => ({
    opType,
    name: n(suffix),
    inputs,
    outputs: [n(suffix)],
    ...extra,
  });
  const nodes: OnnxNode[] = [
    node("Reshape", "rows", [
      spec.input,
      constant("rows_shape", [2], BigInt64Array.of(-1n, BigInt(weight.columns))),
    ]),
    node("ReduceMax", "max", [n("rows")], { attributes: { axes: [1], keepdims: 1 } }),
    // An all-zero row (silence after a ReLU) gets a tiny scale instead of a division by zero; it quantises to 0.
    node("Max", "max_safe", [n("max"), constant("tiny", [], Float32Array.of(1e-30))]),
    // q = x · 255·256 / row max in [0, 65280]; hi = round(q / 256), lo = q − 256·hi + 128, both uint8.
    node("Div", "inv", [constant("c65280", [], Float32Array.of(255 * 256)), n("max_safe")]),
    node("Mul", "q", [n("rows"), n("inv")]),
    node("QuantizeLinear", "hi", [n("q"), constant("c256", [], Float32Array.of(256))]),
    node("DequantizeLinear", "hi_q", [n("hi"), n("c256")]),
    node("Sub", "rest", [n("q"), n("hi_q")]),
    node("QuantizeLinear", "lo", [
      n("rest"),
      constant("c1", [], Float32Array.of(1)),
      constant("a_zp", [], Uint8Array.of(128)),
    ]),
    // 256·(hi·W)·w_scale/(255·256) and ((lo − 128)·W)·w_scale/(255·256), each in one fused op; then × row max.
    node(
      "MatMulIntegerToFloat",
      "p_hi",
      [n("hi"), wq, constant("a_hi", [], Float32Array.of(1 / 255)), wScale],
      {
        domain: MS_DOMAIN,
      },
    ),
    node(
      "MatMulIntegerToFloat",
      "p_lo",
      [n("lo"), wq, constant("a_lo", [], Float32Array.of(1 / (255 * 256))), wScale, n("a_zp")],
      { domain: MS_DOMAIN },
    ),
    node("Add", "sum", [n("p_hi"), n("p_lo")]),
    node("Mul", "scaled", [n("sum"), n("max_safe")]),
  ];
  let last = n("scaled");
  if (spec.bias) {
    if (spec.bias.length !== weight.rows) {
      throw new Error(`${name}: ${spec.bias.length} biases for ${weight.rows} outputs`);
    }
    nodes.push(node("Add", "biased", [last, constant("bias", [weight.rows], spec.bias)]));
    last = n("biased");
  }
  nodes.push({
    opType: "Reshape",
    name: n("unrows"),
    inputs: [last, constant("out_shape", [outShape.length], BigInt64Array.from(outShape))],
    outputs: [spec.output],
  });
  return { nodes, initializers };
}
