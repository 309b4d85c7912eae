/**
 * How the classes separate inside the network: the penultimate layer's features (the input of the last
 * dense layer) mapped to 2-D with UMAP (McInnes et al. 2018, the umap-js port). Every random draw of
 * umap-js goes through its `random` option, so a seeded generator gives the same picture every time.
 */
import * as tf from '@tensorflow/tfjs';
import { UMAP } from 'umap-js';
import { createRng } from '../data/random';

/** The input of the model's last layer for `count` images (flat, row-major), in batches. */
export function penultimateFeatures(model: tf.LayersModel, images: Float32Array, count: number, batchSize = 256): number[][] {
  const last = model.layers[model.layers.length - 1];
  const probe = tf.model({ inputs: model.inputs, outputs: last.input as tf.SymbolicTensor });
  const [, height, width, channels] = model.inputs[0].shape as number[];
  const pixels = height * width * channels;
  if (images.length !== count * pixels) throw new Error(`penultimateFeatures: ${count} images need ${count * pixels} values, got ${images.length}`);
  const rows: number[][] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const features = tf.tidy(() => probe.predict(tf.tensor4d(images.subarray(start * pixels, (start + n) * pixels), [n, height, width, channels])) as tf.Tensor2D);
    rows.push(...(features.arraySync() as number[][]));
    features.dispose();
  }
  return rows;
}

export interface EmbeddingOptions {
  seed?: number;
  /** UMAP's neighbourhood size (default 15). */
  nNeighbors?: number;
  /** UMAP's minimum distance between embedded points (default 0.1). */
  minDist?: number;
}

/** 2-D UMAP coordinates of the feature rows, identical for the same rows and seed. */
export function embed2d(features: number[][], options: EmbeddingOptions = {}): number[][] {
  const nNeighbors = options.nNeighbors ?? 15;
  if (features.length <= nNeighbors) throw new Error(`embed2d: UMAP with ${nNeighbors} neighbours needs more than ${nNeighbors} points, got ${features.length}`);
  const umap = new UMAP({ nComponents: 2, nNeighbors, minDist: options.minDist ?? 0.1, random: createRng(options.seed ?? 42) });
  return umap.fit(features);
}
