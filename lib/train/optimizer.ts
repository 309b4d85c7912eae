/** Optimizers with a learning rate that can change every step, and their state as plain tensors for checkpoints. */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from './types';

export function createOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  return name === 'sgd' ? tf.train.momentum(lr, 0.9, true) : tf.train.adam(lr);
}

/**
 * Adam reads its learningRate field on every step; momentum caches it and must be told. (Duck-typed:
 * tfjs optimizers override instanceof, so every optimizer is "instanceof MomentumOptimizer".)
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (withSetter.setLearningRate) withSetter.setLearningRate(lr);
  else withSetter.learningRate = lr;
}

/**
 * Decoupled weight decay (AdamW, Loshchilov & Hutter): shrink weight matrices directly rather than through
 * the gradient; biases and normalisation parameters (rank < 2) are left alone.
 */
export function applyWeightDecay(variables: tf.Variable[], lr: number, weightDecay: number): void {
  if (weightDecay <= 0) return;
  tf.tidy(() => {
    for (const v of variables) if (v.rank >= 2) v.assign(tf.mul(v, 1 - lr * weightDecay));
  });
}
