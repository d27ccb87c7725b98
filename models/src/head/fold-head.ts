/**
 * @module
 * Folds the laughter head into the YAMNet ONNX graph as a third output, `laughter` [N]: one probability
 * per patch, σ(embeddings · w + b), computed by the same session run as the scores (MatMul, Add,
 * Sigmoid, Reshape: a 1024×1 product per patch, no measurable cost).
 */
import { EMBEDDING_SIZE } from "../../../shared/yamnet/constants.ts";
import type { OnnxNode, OnnxTensor } from "../onnx-writer.ts";

/** Graph output name of the head's probability. */
export const LAUGHTER_NAME = "laughter";

/** The part of the head the graph needs. */
export interface FoldableHead {
  weights: readonly number[];
  bias: number;
}

/**
 * Nodes and initializers computing `laughter` from the tensor named `embeddingsName` ([N, 1024]).
 *
 * @example const { nodes, initializers } = headGraph(loadHeadArtifact(), "embeddings");
 */
export function headGraph(
  head: FoldableHead,
  embeddingsName: string,
): { nodes: OnnxNode[]; initializers: OnnxTensor[] } {
  if (head.weights.length !== EMBEDDING_SIZE)
    throw new Error(`laughter head has ${head.weights.length} weights, expected ${EMBEDDING_SIZE}`);
  return {
    initializers: [
      { name: "laughter_w", dims: [EMBEDDING_SIZE, 1], data: Float32Array.from(head.weights) },
      { name: "laughter_b", dims: [1], data: Float32Array.of(head.bias) },
      { name: "laughter_shape", dims: [1], data: BigInt64Array.of(-1n) },
    ],
    nodes: [
      {
        opType: "MatMul",
        name: "laughter_matmul",
        inputs: [embeddingsName, "laughter_w"],
        outputs: ["laughter_xw"],
      },
      {
        opType: "Add",
        name: "laughter_add",
        inputs: ["laughter_xw", "laughter_b"],
        outputs: ["laughter_logit"],
      },
      { opType: "Sigmoid", name: "laughter_sigmoid", inputs: ["laughter_logit"], outputs: ["laughter_p"] },
      {
        opType: "Reshape",
        name: "laughter_flatten",
        inputs: ["laughter_p", "laughter_shape"],
        outputs: [LAUGHTER_NAME],
      },
    ],
  };
}
