/**
 * Attention rollout (Abnar & Zuidema 2020): how much each input patch reaches the pooled summary through
 * all layers. Each layer's head-averaged attention A becomes ½A + ½I, the identity standing for the
 * residual connection around attention; rows renormalised, the layers multiply, last · … · first.
 */
import type * as tf from '@tensorflow/tfjs';
import { attentionMatrices } from '../models/attention';

export interface Rollout {
  /** Patches per side: each map is gridSize × gridSize, row-major. */
  gridSize: number;
  pool: 'cls' | 'mean';
  /** maps[image][patch], summing to 1 over the patches. */
  maps: number[][];
}

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, v, k) => sum + v * b[k][j], 0)));
}

/** The rolled-out tokens × tokens matrix of one image's layers (first to last); every row sums to 1. */
export function rolloutMatrix(layers: number[][][]): number[][] {
  if (layers.length === 0) throw new Error('rolloutMatrix: no attention layers');
  let rolled: number[][] | undefined;
  for (const attention of layers) {
    const withResidual = attention.map((row, i) => {
      const mixed = row.map((v, j) => 0.5 * v + (i === j ? 0.5 : 0));
      const sum = mixed.reduce((a, b) => a + b, 0);
      return mixed.map((v) => v / sum);
    });
    rolled = rolled ? multiply(withResidual, rolled) : withResidual;
  }
  return rolled!;
}

/**
 * What the summary of the image takes from each patch: with a class token its rolled-out row without
 * itself, renormalised; with mean pooling the mean of all rows.
 */
export function rolloutPatches(matrix: number[][], pool: 'cls' | 'mean'): number[] {
  if (pool === 'mean') return matrix[0].map((_, j) => matrix.reduce((sum, row) => sum + row[j], 0) / matrix.length);
  const row = matrix[0].slice(1);
  const sum = row.reduce((a, b) => a + b, 0);
  return row.map((v) => v / sum);
}

/** The rollout map of each image for a ViT built by buildVit. */
export function attentionRollout(model: tf.LayersModel, images: tf.Tensor4D | ArrayLike<number>[]): Rollout {
  const { pool, matrices } = attentionMatrices(model, images);
  const maps = matrices.map((layers) => rolloutPatches(rolloutMatrix(layers), pool));
  return { gridSize: Math.round(Math.sqrt(maps[0]?.length ?? 0)), pool, maps };
}
