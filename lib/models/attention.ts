/**
 * What a trained ViT looks at: per image, layer and head, how the pooled summary attends over the patches.
 * With a class token that is the class token's attention row; with mean pooling, where every token is
 * pooled alike, it is the attention row averaged over all queries.
 */
import * as tf from '@tensorflow/tfjs';
import { MultiHeadSelfAttention, TokenPooling } from './vit-layers';

export interface AttentionMaps {
  /** Patches per side: each map is gridSize × gridSize, row-major. */
  gridSize: number;
  pool: 'cls' | 'mean';
  /** maps[image][layer][head][patch], each map summing to 1 over the patches. */
  maps: number[][][][];
}

function layersOf<T>(model: tf.LayersModel, kind: abstract new (...args: never[]) => T): T[] {
  return model.layers.filter((layer) => layer instanceof kind) as T[];
}

/** Images as a [n, 28, 28, 1] batch, from a tensor or from flat 28×28 pixel arrays. */
export function asBatch(images: tf.Tensor4D | ArrayLike<number>[], model: tf.LayersModel): tf.Tensor4D {
  if (images instanceof tf.Tensor) return images;
  const [, height, width, channels] = model.inputs[0].shape as number[];
  const pixels = new Float32Array(images.length * height * width * channels);
  images.forEach((image, i) => pixels.set(Array.from(image), i * height * width * channels));
  return tf.tensor4d(pixels, [images.length, height, width, channels]);
}

function vitLayers(model: tf.LayersModel, caller: string) {
  const attention = layersOf(model, MultiHeadSelfAttention);
  const [pooling] = layersOf(model, TokenPooling);
  if (attention.length === 0 || !pooling) throw new Error(`${caller}: model "${model.name}" is not a ViT (no attention or pooling layer)`);
  return { attention, pool: pooling.pool };
}

/** Every attention layer's softmax weights, [n, heads, tokens, tokens] each, from one forward pass (call inside tf.tidy). */
function layerWeights(model: tf.LayersModel, attention: MultiHeadSelfAttention[], images: tf.Tensor4D | ArrayLike<number>[]): tf.Tensor4D[] {
  const batch = asBatch(images, model);
  // Each attention layer's input (the normalised tokens) from one forward pass, then its softmax weights.
  const probe = tf.model({ inputs: model.inputs, outputs: attention.map((layer) => layer.input as tf.SymbolicTensor) });
  const inputs = probe.predict(batch) as tf.Tensor | tf.Tensor[];
  return (Array.isArray(inputs) ? inputs : [inputs]).map((x, i) => attention[i].attentionWeights(x as tf.Tensor3D));
}

/** Attention over the patches for each image, layer (first to last) and head of a ViT built by buildVit. */
export function attentionMaps(model: tf.LayersModel, images: tf.Tensor4D | ArrayLike<number>[]): AttentionMaps {
  const { attention, pool } = vitLayers(model, 'attentionMaps');
  const perLayer = tf.tidy(() =>
    layerWeights(model, attention, images).map((weights) => {
      if (pool === 'mean') return tf.mean(weights, 2);
      // The class token's row without its attention to itself, renormalised over the patches.
      const [n, heads, tokens] = weights.shape;
      const row = tf.slice(weights, [0, 0, 0, 1], [n, heads, 1, tokens - 1]).reshape([n, heads, tokens - 1]);
      return tf.div(row, tf.sum(row, -1, true));
    }),
  );
  const arrays = perLayer.map((t) => t.arraySync() as number[][][]);
  perLayer.forEach((t) => t.dispose());
  const patches = arrays[0][0][0].length;
  const maps = arrays[0].map((_, image) => arrays.map((layer) => layer[image]));
  return { gridSize: Math.round(Math.sqrt(patches)), pool, maps };
}

export interface AttentionMatrices {
  pool: 'cls' | 'mean';
  /** matrices[image][layer][query][key]: each layer's attention averaged over its heads, rows summing to 1. */
  matrices: number[][][][];
}

/** The full token-to-token attention of every layer, averaged over the heads: what attention rollout combines. */
export function attentionMatrices(model: tf.LayersModel, images: tf.Tensor4D | ArrayLike<number>[]): AttentionMatrices {
  const { attention, pool } = vitLayers(model, 'attentionMatrices');
  const perLayer = tf.tidy(() => layerWeights(model, attention, images).map((weights) => tf.mean(weights, 1)));
  const arrays = perLayer.map((t) => t.arraySync() as number[][][]);
  perLayer.forEach((t) => t.dispose());
  return { pool, matrices: arrays[0].map((_, image) => arrays.map((layer) => layer[image])) };
}

/** One panel of attentionOverlayFigure. */
export interface AttentionMap {
  /** Panel title, e.g. 'layer 2 head 1'. */
  title: string;
  /** gridSize×gridSize weights, row-major (a flat array or rows). */
  attention: ArrayLike<number> | number[][];
}

export interface OverlayOptions {
  /** 1-based layers to show (default all). */
  layers?: number[];
  /** One panel per layer with the mean over heads instead of one per head. */
  meanOverHeads?: boolean;
}

/**
 * The maps of one image as attentionOverlayFigure's input:
 * `attentionOverlayFigure(pixels, maps, { gridSize })`.
 */
export function attentionOverlayMaps(attention: AttentionMaps, image: number, options: OverlayOptions = {}): { maps: AttentionMap[]; gridSize: number } {
  const layers = attention.maps[image];
  if (!layers) throw new Error(`attentionOverlayMaps: no image ${image} (have ${attention.maps.length})`);
  const chosen = options.layers ?? layers.map((_, i) => i + 1);
  const maps = chosen.flatMap((layer) => {
    const heads = layers[layer - 1];
    if (!heads) throw new Error(`attentionOverlayMaps: no layer ${layer} (have ${layers.length})`);
    if (options.meanOverHeads) {
      const mean = heads[0].map((_, p) => heads.reduce((sum, head) => sum + head[p], 0) / heads.length);
      return [{ title: `layer ${layer} (mean of heads)`, attention: mean }];
    }
    return heads.map((head, h) => ({ title: `layer ${layer} head ${h + 1}`, attention: head }));
  });
  return { maps, gridSize: attention.gridSize };
}
