/**
 * Names and attributes of the fused kernels some engines register (lib/backend/onednn/fused.ts), for the
 * library code that runs them where the active backend has them and the plain tfjs ops elsewhere.
 */
import type * as tf from '@tensorflow/tfjs';

export const FUSED_ADAM = 'PixelwiseAdam';

/** No inputs; the multiplier of inverted dropout, 1/keepProb or 0 per element, drawn from `seed` alone. */
export const DROPOUT_MASK = 'PixelwiseDropoutMask';

export interface DropoutMaskAttrs {
  shape: number[];
  keepProb: number;
  /** An integer in [0, 2^32). */
  seed: number;
}

/** Inputs value, m, v, gradient, accBeta1, accBeta2; outputs the new value, m and v. */
export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

/**
 * Batch normalisation over every axis but the last, in training: inputs x, scale, offset (one value per
 * channel); outputs y, the batch mean and the biased batch variance (what tf.moments gives). Its gradient
 * is one kernel too, registered with it.
 */
export const BATCH_NORM_TRAIN = 'PixelwiseBatchNormTrain';

export interface BatchNormTrainAttrs {
  epsilon: number;
  /** y is relu(y), the relu's gradient taken in the batch norm's. */
  relu: boolean;
}

/** Layer norm over the last axis: inputs x, scale, offset (one value per column); output y. */
export const LAYER_NORM = 'PixelwiseLayerNorm';

export interface LayerNormAttrs {
  epsilon: number;
}

/**
 * Multi-head self-attention, softmax(q·kᵀ·scale)·v per head, from the qkv projection to the heads side by side:
 * input qkv [batch, tokens, 3·dim] (queries, keys, values side by side, each dim = heads·headDim with head h at
 * columns h·headDim); outputs y [batch, tokens, dim] and the log-sum-exp of each softmax row [batch, heads,
 * tokens], which the gradient (one kernel too) recomputes the probabilities from.
 */
export const ATTENTION = 'PixelwiseAttention';

export interface AttentionAttrs {
  heads: number;
  scale: number;
}

/** GELU as tfjs-layers' 'gelu' activation computes it, x · Φ(x) with the exact (erf) Φ: input x. */
export const GELU = 'PixelwiseGelu';

/**
 * A 2-D convolution with an optional per-channel bias and a relu or no activation, for training: inputs x,
 * filter, bias (absent when the layer has none), attributes tfjs's FusedConv2DAttrs (NHWC, dilation 1) and
 * whether the bias is there; output y. Its gradient gives each input its own closure (tfjs's fused op
 * computes all of them), the relu's from y.
 */
export const FUSED_CONV_2D = 'PixelwiseConv2D';

export interface FusedConv2DAttrs extends tf.FusedConv2DAttrs {
  /** The gradient has no saved bias to tell it (tfjs saves only inputs that are always there). */
  hasBias: boolean;
}
