/**
 * @module
 * A minimal FlatBuffers reader for the parts of the TFLite schema (tensorflow/lite/schema/schema.fbs) that the
 * YAMNet converter needs. No dependency: vtables are walked by hand. Field ids below are the schema's
 * declaration order (FlatBuffers assigns ids sequentially), so each `field(n)` cites that order.
 */

/** TFLite `TensorType` values we meet in YAMNet (schema.fbs `enum TensorType : byte`). */
export const TENSOR_TYPE = Object.freeze({
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  INT8: 9,
} as const);

/** TFLite `BuiltinOperator` codes used by YAMNet (schema.fbs `enum BuiltinOperator : int32`). */
export const BUILTIN_OP = Object.freeze({
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  RESHAPE: 22,
  MEAN: 40,
} as const);

/** Quantisation parameters of one tensor; empty arrays when the tensor is not quantised. */
export interface TfliteQuantization {
  scale: Float32Array;
  zeroPoint: bigint[];
  quantizedDimension: number;
}

/** One tensor of the (single) subgraph. */
export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  bufferIndex: number;
  quantization: TfliteQuantization;
}

/** One operator: resolved builtin code, tensor indices (-1 = optional input absent), raw options table. */
export interface TfliteOperator {
  index: number;
  builtinCode: number;
  inputs: number[];
  outputs: number[];
  /** The builtin options table (read fields with {@link FlatTable}), or undefined when absent. */
  options: FlatTable | undefined;
}

/** The parsed model: one subgraph's tensors and operators, plus buffers as views into the file. */
export interface TfliteModel {
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  buffers: Uint8Array[];
}

/** A FlatBuffers table: position of the table and accessors by field id. */
export class FlatTable {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  readonly pos: number;
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
    // The table starts with a signed offset back to its vtable.
    this.vtable = pos - this.view.getInt32(pos, true);
    this.vtableSize = this.view.getUint16(this.vtable, true);
  }

  /** Absolute position of field `id`, or 0 when the field is absent (default value applies). */
  private fieldPos(id: number): number {
    const entry = 4 + 2 * id;
    if (entry >= this.vtableSize) return 0;
    const rel = this.view.getUint16(this.vtable + entry, true);
    return rel === 0 ? 0 : this.pos + rel;
  }

  private deref(id: number): number {
    const p = this.fieldPos(id);
    return p === 0 ? 0 : p + this.view.getUint32(p, true);
  }

  int8(id: number, fallback = 0): number {
    const p = this.fieldPos(id);
    return p === 0 ? fallback : this.view.getInt8(p);
  }

  uint8(id: number, fallback = 0): number {
    const p = this.fieldPos(id);
    return p === 0 ? fallback : this.view.getUint8(p);
  }

  bool(id: number, fallback = false): boolean {
    const p = this.fieldPos(id);
    return p === 0 ? fallback : this.view.getUint8(p) !== 0;
  }

  int32(id: number, fallback = 0): number {
    const p = this.fieldPos(id);
    return p === 0 ? fallback : this.view.getInt32(p, true);
  }

  uint32(id: number, fallback = 0): number {
    const p = this.fieldPos(id);
    return p === 0 ? fallback : this.view.getUint32(p, true);
  }

  uint64(id: number, fallback = 0n): bigint {
    const p = this.fieldPos(id);
    return p === 0 ? fallback : this.view.getBigUint64(p, true);
  }

  string(id: number): string {
    const p = this.deref(id);
    if (p === 0) return "";
    const length = this.view.getUint32(p, true);
    return new TextDecoder().decode(this.bytes.subarray(p + 4, p + 4 + length));
  }

  table(id: number): FlatTable | undefined {
    const p = this.deref(id);
    return p === 0 ? undefined : new FlatTable(this.bytes, p);
  }

  /** Vector header: element start and length, or undefined when absent. */
  private vector(id: number): { start: number; length: number } | undefined {
    const p = this.deref(id);
    if (p === 0) return undefined;
    return { start: p + 4, length: this.view.getUint32(p, true) };
  }

  tables(id: number): FlatTable[] {
    const v = this.vector(id);
    if (!v) return [];
    const out: FlatTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const slot = v.start + 4 * i;
      out.push(new FlatTable(this.bytes, slot + this.view.getUint32(slot, true)));
    }
    return out;
  }

  int32s(id: number): number[] {
    const v = this.vector(id);
    if (!v) return [];
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.view.getInt32(v.start + 4 * i, true));
    return out;
  }

  int64s(id: number): bigint[] {
    const v = this.vector(id);
    if (!v) return [];
    const out: bigint[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.view.getBigInt64(v.start + 8 * i, true));
    return out;
  }

  float32s(id: number): Float32Array {
    const v = this.vector(id);
    if (!v) return new Float32Array(0);
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.view.getFloat32(v.start + 4 * i, true);
    return out;
  }

  /** A `[ubyte]` vector as a view into the file (no copy). */
  bytesOf(id: number): Uint8Array {
    const v = this.vector(id);
    return v ? this.bytes.subarray(v.start, v.start + v.length) : new Uint8Array(0);
  }
}

/**
 * Parses a TFLite flatbuffer (first subgraph only; YAMNet has one).
 *
 * @example
 * const model = readTflite(readFileSync("yamnet.tflite"));
 * console.log(model.operators.length); // 60
 */
export function readTflite(input: Uint8Array): TfliteModel {
  // A Node Buffer's slice() is a view, not a copy; work on a plain Uint8Array so callers get standard
  // semantics from the buffer views we hand out.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const identifier = new TextDecoder().decode(bytes.subarray(4, 8));
  if (identifier !== "TFL3") throw new Error(`not a TFLite flatbuffer (file identifier "${identifier}")`);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  const model = new FlatTable(bytes, view.getUint32(0, true));
  const opcodes = model.tables(1).map((code) => {
    // OperatorCode: deprecated_builtin_code:byte 0, custom_code 1, version 2, builtin_code:int32 3.
    // Newer files put codes >= 127 only in field 3; older ones only in field 0, so take the larger.
    return Math.max(code.int8(0), code.int32(3));
  });
  const buffers = model.tables(4).map((buffer) => {
    // Buffer: data 0, offset:ulong 1, size:ulong 2 (offset/size are used by files over 2 GB).
    const offset = buffer.uint64(1);
    if (offset > 1n) {
      const start = Number(offset);
      return bytes.subarray(start, start + Number(buffer.uint64(2)));
    }
    return buffer.bytesOf(0);
  });
  const subgraphs = model.tables(2);
  if (subgraphs.length === 0) throw new Error("TFLite model has no subgraph");
  const subgraph = subgraphs[0];
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  const tensors = subgraph.tables(0).map((t, index): TfliteTensor => {
    // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4.
    const q = t.table(4);
    return {
      index,
      name: t.string(3),
      shape: t.int32s(0),
      type: t.int8(1),
      bufferIndex: t.uint32(2),
      // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details_type 4, details 5,
      // quantized_dimension 6.
      quantization: {
        scale: q ? q.float32s(2) : new Float32Array(0),
        zeroPoint: q ? q.int64s(3) : [],
        quantizedDimension: q ? q.int32(6) : 0,
      },
    };
  });
  const operators = subgraph.tables(3).map(
    (op, index): TfliteOperator => ({
      // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
      index,
      builtinCode: opcodes[op.uint32(0)],
      inputs: op.int32s(1),
      outputs: op.int32s(2),
      options: op.table(4),
    }),
  );
  return { tensors, operators, inputs: subgraph.int32s(1), outputs: subgraph.int32s(2), buffers };
}
