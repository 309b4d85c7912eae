/**
 * The Vision Transformer's custom tfjs-layers: patch embedding, class token, position embedding,
 * layer norm, multi-head self-attention and token pooling. The GELU MLP and dropout are tfjs built-ins.
 *
 * Every layer is registered with tf.serialization.registerClass when this module loads, so a saved ViT
 * loads back with tf.loadLayersModel (Node or browser) once this module has been imported. It depends on
 * @tensorflow/tfjs only (and the fused kernels' names), so it bundles for a browser page as is.
 *
 * All ops here have gradients on the WASM backend (conv2d, matMul, softmax, reshape, transpose, slice,
 * broadcasting add); none uses gather, whose gradient WASM lacks.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { ATTENTION, LAYER_NORM, type AttentionAttrs, type LayerNormAttrs } from '../backend/fused-names';
// The MLP's 'gelu' activation, fused on the oneDNN engine: imported here so that a loaded ViT gets it too.
import './gelu';

type Shape = (number | null)[];

const single = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);
const singleShape = (shape: Shape | Shape[]): Shape => (Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as Shape));

/** ViT's initialisation for learned tokens and positions: small, so they start as a gentle offset. */
const smallNormal = () => tf.initializers.truncatedNormal({ stddev: 0.02 });

export interface LayerNormArgs extends LayerArgs {
  epsilon?: number;
}

/**
 * Layer normalisation over the last axis with a learned scale and shift. Replaces tf.layers.layerNormalization,
 * which broadcasts with tile: tile's gradient is a slice and an add per repeated row, thousands of kernel
 * calls per step on WASM. Plain broadcasting ops have cheap reduction gradients.
 */
export class LayerNorm extends tf.layers.Layer {
  static className = 'LayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-6;
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const dim = shape[shape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      // One kernel forward and one backward where the engine has them (oneDNN), for ~20 composed ones.
      if (x.dtype === 'float32' && x.size > 0 && tf.getKernel(LAYER_NORM, tf.getBackend()) != null) {
        const attrs: LayerNormAttrs = { epsilon: this.epsilon };
        return tf.engine().runKernel(LAYER_NORM, { x, scale: this.gamma.read(), offset: this.beta.read() }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      }
      const centered = tf.sub(x, tf.mean(x, -1, true));
      const variance = tf.mean(tf.square(centered), -1, true);
      const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, this.gamma.read()), this.beta.read());
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

export interface PatchEmbeddingArgs extends LayerArgs {
  patchSize: number;
  dim: number;
}

/**
 * [batch, H, W, C] → [batch, (H/p)·(W/p), dim]: each non-overlapping p×p patch is projected linearly to a
 * token (a conv with kernel = stride = p), tokens in row-major patch order.
 */
export class PatchEmbedding extends tf.layers.Layer {
  static className = 'PatchEmbedding';
  readonly patchSize: number;
  readonly dim: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: PatchEmbeddingArgs) {
    super(args);
    this.patchSize = args.patchSize;
    this.dim = args.dim;
  }

  build(inputShape: Shape | Shape[]): void {
    const [, height, width, channels] = singleShape(inputShape) as number[];
    const p = this.patchSize;
    if (height % p !== 0 || width % p !== 0) {
      throw new Error(`PatchEmbedding: patch size ${p} does not divide the ${height}×${width} input`);
    }
    this.kernel = this.addWeight('kernel', [p, p, channels, this.dim], 'float32', tf.initializers.glorotUniform({}));
    this.bias = this.addWeight('bias', [this.dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, height, width] = singleShape(inputShape) as number[];
    return [batch, (height / this.patchSize) * (width / this.patchSize), this.dim];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const p = this.patchSize;
      const patches = tf.conv2d(x, this.kernel.read() as tf.Tensor4D, p, 'valid');
      const [batch, rows, cols] = patches.shape;
      return tf.add(patches, this.bias.read()).reshape([batch, rows * cols, this.dim]);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), patchSize: this.patchSize, dim: this.dim };
  }
}

/** [batch, n, dim] → [batch, 1 + n, dim]: prepends one learned token, whose final state is the image summary. */
export class ClassToken extends tf.layers.Layer {
  static className = 'ClassToken';
  private token!: tf.LayerVariable;

  build(inputShape: Shape | Shape[]): void {
    const dim = singleShape(inputShape)[2] as number;
    this.token = this.addWeight('token', [1, 1, dim], 'float32', smallNormal());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, n, dim] = singleShape(inputShape);
    return [batch, (n as number) + 1, dim];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      // Broadcasting add rather than tile: tile's gradient is one slice per batch row.
      const [batch, , dim] = x.shape as number[];
      const tokens = tf.add(tf.zeros([batch, 1, dim]), this.token.read());
      return tf.concat([tokens, x], 1);
    });
  }
}

/** Adds a learned vector per token position: attention itself is blind to where a patch came from. */
export class PositionEmbedding extends tf.layers.Layer {
  static className = 'PositionEmbedding';
  private positions!: tf.LayerVariable;

  build(inputShape: Shape | Shape[]): void {
    const [, n, dim] = singleShape(inputShape) as number[];
    this.positions = this.addWeight('positions', [1, n, dim], 'float32', smallNormal());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(single(inputs), this.positions.read()));
  }
}

export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  heads: number;
}

/**
 * Multi-head self-attention over [batch, tokens, dim]: per head, softmax(q·kᵀ/√d)·v, heads concatenated and
 * projected back to dim. attentionWeights() returns the softmax matrices for inspection.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'MultiHeadSelfAttention';
  readonly heads: number;
  private queryKernel!: tf.LayerVariable;
  private keyKernel!: tf.LayerVariable;
  private valueKernel!: tf.LayerVariable;
  private outputKernel!: tf.LayerVariable;
  private outputBias!: tf.LayerVariable;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.heads = args.heads;
  }

  build(inputShape: Shape | Shape[]): void {
    const dim = singleShape(inputShape)[2] as number;
    if (dim % this.heads !== 0) throw new Error(`MultiHeadSelfAttention: dim ${dim} is not divisible by ${this.heads} heads`);
    const glorot = () => tf.initializers.glorotUniform({});
    this.queryKernel = this.addWeight('query', [dim, dim], 'float32', glorot());
    this.keyKernel = this.addWeight('key', [dim, dim], 'float32', glorot());
    this.valueKernel = this.addWeight('value', [dim, dim], 'float32', glorot());
    this.outputKernel = this.addWeight('output', [dim, dim], 'float32', glorot());
    this.outputBias = this.addWeight('output_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor3D;
      const [batch, tokens, dim] = x.shape;
      const qkv = this.project(x);
      let mixed: tf.Tensor;
      if (tf.getKernel(ATTENTION, tf.getBackend()) != null) {
        // One kernel from the projection to the heads side by side, and one back (lib/backend/onednn/attention.ts).
        const attrs: AttentionAttrs = { heads: this.heads, scale: 1 / Math.sqrt(dim / this.heads) };
        [mixed] = tf.engine().runKernel(ATTENTION, { qkv }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      } else {
        const { weights, values } = this.attend(qkv);
        mixed = tf.matMul(weights, values).transpose([0, 2, 1, 3]);
      }
      return tf.add(tf.matMul(mixed.reshape([batch * tokens, dim]), this.outputKernel.read() as tf.Tensor2D), this.outputBias.read()).reshape([batch, tokens, dim]);
    });
  }

  /** The attention matrices [batch, heads, queries, keys] (rows sum to 1) for the layer's input x. */
  attentionWeights(x: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => this.attend(this.project(x)).weights);
  }

  /**
   * Queries, keys and values [batch, tokens, 3·dim] from one product with the three kernels side by side: one
   * pass over x instead of three, and on the way back one gradient for x instead of three summed. The kernels
   * stay three weights, so saved models are as before.
   */
  private project(x: tf.Tensor3D): tf.Tensor3D {
    const [batch, tokens, dim] = x.shape;
    const kernels = tf.concat([this.queryKernel.read(), this.keyKernel.read(), this.valueKernel.read()], 1) as tf.Tensor2D;
    return tf.matMul(x.reshape([batch * tokens, dim]), kernels).reshape([batch, tokens, 3 * dim]);
  }

  /** tfjs's ops on qkv: one head split for all three, [3, batch, heads, tokens, headDim], then the softmax weights. */
  private attend(qkv: tf.Tensor3D): { weights: tf.Tensor4D; values: tf.Tensor4D } {
    const [batch, tokens, width] = qkv.shape;
    const headDim = width / 3 / this.heads;
    const heads = qkv.reshape([batch, tokens, 3, this.heads, headDim]).transpose([2, 0, 3, 1, 4]);
    const [q, k, v] = tf.split(heads, 3, 0).map((t) => t.reshape([batch, this.heads, tokens, headDim]) as tf.Tensor4D);
    const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(headDim)), k, false, true);
    return { weights: tf.softmax(scores) as tf.Tensor4D, values: v };
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads };
  }
}

export type TokenPool = 'cls' | 'mean';

export interface TokenPoolingArgs extends LayerArgs {
  pool: TokenPool;
}

/** [batch, tokens, dim] → [batch, dim]: the class token (first token) or the mean of all tokens. */
export class TokenPooling extends tf.layers.Layer {
  static className = 'TokenPooling';
  readonly pool: TokenPool;

  constructor(args: TokenPoolingArgs) {
    super(args);
    this.pool = args.pool;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, , dim] = singleShape(inputShape);
    return [batch, dim];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor3D;
      if (this.pool === 'mean') return tf.mean(x, 1);
      const [batch, , dim] = x.shape;
      return tf.slice(x, [0, 0, 0], [batch, 1, dim]).reshape([batch, dim]);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pool: this.pool };
  }
}

for (const layer of [LayerNorm, PatchEmbedding, ClassToken, PositionEmbedding, MultiHeadSelfAttention, TokenPooling]) {
  tf.serialization.registerClass(layer);
}
