/**
 * The Vision Transformer family (Dosovitskiy et al. 2020) for digit images (28×28 MNIST, or any size a patch divides): patch tokens (optionally from a
 * small convolutional stem), class token or mean pooling, learned positions, pre-norm encoder blocks.
 */
import * as tf from '@tensorflow/tfjs';
import { describeSize, ImageSize, MNIST_IMAGE, modelChoice, ModelError, modelNumber, ModelOptions, ModelSpec } from './spec';
import { conv2dLayer } from './conv';
import { dropoutLayer } from './dropout';
import { ClassToken, LayerNorm, MultiHeadSelfAttention, PatchEmbedding, PositionEmbedding, TokenPool, TokenPooling } from './vit-layers';

/** The conv stem's downsampling: two 2×2 max-pools. */
const STEM_STRIDE = 4;

export type VitStem = 'patch' | 'conv';

export interface VitConfig {
  /** Side of a square patch in image pixels; one token per patch. */
  patchSize: number;
  /** Token width. */
  dim: number;
  /** Encoder blocks. */
  depth: number;
  heads: number;
  /** MLP hidden width = mlpRatio × dim. */
  mlpRatio: number;
  dropout: number;
  pool: TokenPool;
  /** 'patch': linear projection of raw pixel patches; 'conv': two 3×3 conv + 2×2 max-pool stages before patching. */
  stem: VitStem;
}

const divisorsOf = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/** The patch sizes that tile an image (dividing both sides), multiples of the stem's stride with the conv stem. */
function fittingPatchSizes({ height, width }: ImageSize, stem: VitStem): number[] {
  return divisorsOf(height).filter((d) => width % d === 0 && (stem === 'patch' || d % STEM_STRIDE === 0));
}

/**
 * Defaults ← options, validated: every configuration that cannot build is refused with the reason. The
 * patch size is checked against `image` when given (a model is built for its data's size).
 */
export function vitConfig(defaults: VitConfig, options?: ModelOptions, image?: ImageSize): VitConfig {
  const config: VitConfig = {
    patchSize: modelNumber(options, 'patchSize', defaults.patchSize),
    dim: modelNumber(options, 'dim', defaults.dim),
    depth: modelNumber(options, 'depth', defaults.depth),
    heads: modelNumber(options, 'heads', defaults.heads),
    mlpRatio: modelNumber(options, 'mlpRatio', defaults.mlpRatio),
    dropout: modelNumber(options, 'dropout', defaults.dropout),
    pool: modelChoice(options, 'pool', ['cls', 'mean'], defaults.pool),
    stem: modelChoice(options, 'stem', ['patch', 'conv'], defaults.stem),
  };
  for (const key of ['patchSize', 'dim', 'depth', 'heads'] as const) {
    if (!Number.isInteger(config[key]) || config[key] <= 0) throw new ModelError(`ViT: ${key} must be a positive integer, got ${config[key]}`);
  }
  const { patchSize, dim, heads } = config;
  if (config.stem === 'conv' && patchSize % STEM_STRIDE !== 0) {
    throw new ModelError(`ViT: the conv stem downsamples by ${STEM_STRIDE}, so patchSize must be a multiple of ${STEM_STRIDE}, got ${patchSize}`);
  }
  if (image && (image.height % patchSize !== 0 || image.width % patchSize !== 0)) {
    const side = image.height === image.width ? `${image.height}-pixel image side` : `${describeSize(image)} image`;
    const fitting = fittingPatchSizes(image, config.stem);
    throw new ModelError(`ViT: patchSize ${patchSize} does not divide the ${side} (${fitting.length ? `use one of ${fitting.join(', ')}` : 'no patch size does'})`);
  }
  if (dim % heads !== 0) throw new ModelError(`ViT: dim ${dim} is not divisible by heads ${heads} (each head takes dim/heads channels)`);
  if (!(Math.round(config.mlpRatio * dim) >= 1)) throw new ModelError(`ViT: mlpRatio must be positive, got ${config.mlpRatio}`);
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new ModelError(`ViT: dropout must be in [0, 1), got ${config.dropout}`);
  return config;
}

const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(input) as tf.SymbolicTensor;

/** Pre-norm encoder block: x + MHSA(LN(x)), then x + MLP(LN(x)). */
function encoderBlock(x: tf.SymbolicTensor, config: VitConfig, index: number): tf.SymbolicTensor {
  const name = (part: string) => `block${index}_${part}`;
  const norm1 = apply(new LayerNorm({ name: name('norm1') }), x);
  let attended = apply(new MultiHeadSelfAttention({ heads: config.heads, name: name('attention') }), norm1);
  attended = apply(dropoutLayer({ rate: config.dropout, name: name('attention_dropout') }), attended);
  const afterAttention = apply(tf.layers.add({ name: name('residual1') }), [x, attended]);

  const norm2 = apply(new LayerNorm({ name: name('norm2') }), afterAttention);
  let hidden = apply(tf.layers.dense({ units: Math.round(config.mlpRatio * config.dim), activation: 'gelu', name: name('mlp_in') }), norm2);
  hidden = apply(dropoutLayer({ rate: config.dropout, name: name('mlp_dropout1') }), hidden);
  hidden = apply(tf.layers.dense({ units: config.dim, name: name('mlp_out') }), hidden);
  hidden = apply(dropoutLayer({ rate: config.dropout, name: name('mlp_dropout2') }), hidden);
  return apply(tf.layers.add({ name: name('residual2') }), [afterAttention, hidden]);
}

export function buildVit(config: VitConfig, name = 'vit', image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  const input = tf.input({ shape: [image.height, image.width, 1], name: 'image' });
  let features: tf.SymbolicTensor = input;
  let patch = config.patchSize;
  if (config.stem === 'conv') {
    // Strokes and their junctions are local: two conv stages find them far more cheaply per accuracy than
    // attention over raw pixel patches, and leave a 7×7 grid of tokens for 4-pixel patches.
    for (const [i, filters] of [Math.ceil(config.dim / 2), config.dim].entries()) {
      features = apply(conv2dLayer({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `stem_conv${i + 1}` }), features);
      features = apply(tf.layers.maxPooling2d({ poolSize: 2, name: `stem_pool${i + 1}` }), features);
    }
    patch /= STEM_STRIDE;
  }
  let tokens = apply(new PatchEmbedding({ patchSize: patch, dim: config.dim, name: 'patch_embedding' }), features);
  if (config.pool === 'cls') tokens = apply(new ClassToken({ name: 'class_token' }), tokens);
  tokens = apply(new PositionEmbedding({ name: 'position_embedding' }), tokens);
  tokens = apply(dropoutLayer({ rate: config.dropout, name: 'embedding_dropout' }), tokens);
  for (let i = 1; i <= config.depth; i++) tokens = encoderBlock(tokens, config, i);
  tokens = apply(new LayerNorm({ name: 'final_norm' }), tokens);
  const pooled = apply(new TokenPooling({ pool: config.pool, name: 'pool' }), tokens);
  const logits = apply(tf.layers.dense({ units: 10, name: 'head' }), pooled);
  return tf.model({ inputs: input, outputs: logits, name });
}

/** The registered configurations; modelOptions override any field. */
export const VIT_PRESETS: Record<string, VitConfig> = {
  // Depth, MLP width and dropout from the README's vit-tiny sweep (Hyperparameter tuning).
  'vit-tiny': { patchSize: 7, dim: 64, depth: 2, heads: 4, mlpRatio: 4, dropout: 0.05, pool: 'cls', stem: 'patch' },
  'vit-small': { patchSize: 4, dim: 64, depth: 2, heads: 4, mlpRatio: 2, dropout: 0, pool: 'mean', stem: 'conv' },
};

/** A preset as a model: its options are the VitConfig fields, its layers model is named like it (vit_tiny). */
function vitModel(name: string, description: string): ModelSpec {
  const config = (options?: ModelOptions, image?: ImageSize) => vitConfig(VIT_PRESETS[name], options, image);
  return {
    name,
    family: 'vit',
    description,
    options: Object.keys(VIT_PRESETS[name]),
    familyOf: (options) => (config(options).stem === 'conv' ? 'hybrid' : 'vit'),
    validate: config,
    build: (options, image) => buildVit(config(options, image), name.replace('-', '_'), image),
  };
}

/** The family in the registry. */
export const VIT_MODELS: readonly ModelSpec[] = [
  vitModel('vit-tiny', 'ViT on 7×7-pixel patches (16 tokens + class token), dim 64, 2 blocks, 4 heads, MLP 4×'),
  vitModel('vit-small', 'Hybrid ViT: two conv stages give 7×7 tokens, dim 64, 2 blocks, 4 heads, mean pooling'),
];
