/**
 * @module
 * A minimal protobuf encoder for the ONNX messages the converter emits (onnx/onnx.proto). Only the fields we
 * write are modelled; field numbers are cited next to each write so they can be checked against onnx.proto.
 */

/** ONNX `TensorProto.DataType` values we use. */
export const ONNX_DATA_TYPE = Object.freeze({ FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const);

/** ONNX `AttributeProto.AttributeType` values we use. */
const ATTRIBUTE_TYPE = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const);

/** A dimension: a fixed size or a symbolic name such as `"N"`. */
export type OnnxDim = number | string;

/** A graph input or output. */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: OnnxDim[];
}

/** An initializer: float32, uint8, int8 or int64 data with its dims. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | Uint8Array | Int8Array | BigInt64Array;
}

/** Attribute values: number (int unless `float` is used), string, or list of ints. */
export type OnnxAttributeValue = number | string | number[] | { float: number };

/** One node of the graph. */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Operator set domain, e.g. "com.microsoft" (ONNX Runtime's contrib ops); default the ONNX one. */
  domain?: string;
  attributes?: Record<string, OnnxAttributeValue>;
}

/** A whole single-graph model. */
export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
  metadata?: Record<string, string>;
  /** Opsets of other domains the nodes use, by domain (e.g. `{ "com.microsoft": 1 }`). */
  domainOpsets?: Record<string, number>;
}

/** Growable byte sink with the protobuf wire primitives. */
class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  length = 0;

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    const bytes = Uint8Array.from(this.scratch);
    this.chunks.push(bytes);
    this.length += bytes.length;
    this.scratch = [];
  }

  varint(value: number | bigint): void {
    // Negative int64 values are encoded as 10-byte two's complement, as protobuf requires.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, 0);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.flushScratch();
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): void {
    const sub = new ProtoWriter();
    build(sub);
    this.bytes(field, sub.finish());
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

function dataTypeOf(data: OnnxTensor["data"]): number {
  if (data instanceof Float32Array) return ONNX_DATA_TYPE.FLOAT;
  if (data instanceof Int8Array) return ONNX_DATA_TYPE.INT8;
  if (data instanceof Uint8Array) return ONNX_DATA_TYPE.UINT8;
  return ONNX_DATA_TYPE.INT64;
}

function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian, as ONNX specifies).
  for (const d of tensor.dims) w.int(1, d);
  w.int(2, dataTypeOf(tensor.data));
  w.string(8, tensor.name);
  const data = tensor.data;
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 →
  // dim_value 1 | dim_param 2.
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, info.elemType);
      tensorType.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === "number" ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

function writeAttribute(w: ProtoWriter, name: string, value: OnnxAttributeValue): void {
  // AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20.
  w.string(1, name);
  if (typeof value === "number") {
    w.int(3, value);
    w.int(20, ATTRIBUTE_TYPE.INT);
  } else if (typeof value === "string") {
    w.string(4, value);
    w.int(20, ATTRIBUTE_TYPE.STRING);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, ATTRIBUTE_TYPE.INTS);
  } else {
    w.float(2, value.float);
    w.int(20, ATTRIBUTE_TYPE.FLOAT);
  }
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name) w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => writeAttribute(a, name, value));
  }
  if (node.domain) w.string(7, node.domain);
}

/**
 * Serialises a model to ONNX protobuf bytes.
 *
 * @example
 * writeFileSync("m.onnx", encodeOnnxModel({ irVersion: 8, opsetVersion: 17, ... }));
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8,
  // metadata_props 14.
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => {
    // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
    for (const node of model.nodes) g.message(1, (n) => writeNode(n, node));
    g.string(2, model.graphName);
    for (const tensor of model.initializers) g.message(5, (t) => writeTensor(t, tensor));
    for (const input of model.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of model.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  // OperatorSetIdProto: domain 1 (empty = ai.onnx), version 2.
  w.message(8, (o) => {
    o.string(1, "");
    o.int(2, model.opsetVersion);
  });
  for (const [domain, version] of Object.entries(model.domainOpsets ?? {})) {
    w.message(8, (o) => {
      o.string(1, domain);
      o.int(2, version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    // StringStringEntryProto: key 1, value 2.
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
