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

/** Adam's running products β₁ᵗ and β₂ᵗ: tfjs leaves them out of getWeights and recomputes them with pow on setWeights. */
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;
type WithPowers = Partial<Record<(typeof ADAM_POWERS)[number], tf.Variable>>;

/**
 * The optimizer state that getWeights omits, named for a checkpoint. pow(β, t) and t successive products
 * differ in the last float32 bits, so restoring the products themselves is what makes a resume bit-exact.
 */
export function omittedState(optimizer: tf.Optimizer): { name: string; tensor: tf.Tensor }[] {
  const powers = optimizer as unknown as WithPowers;
  return ADAM_POWERS.filter((key) => powers[key]).map((key) => ({ name: `adam/${key}`, tensor: powers[key]! }));
}

/** Puts back what omittedState saved (after setWeights, which overwrites it); entries it does not know are left alone. */
export function restoreOmittedState(optimizer: tf.Optimizer, saved: { name: string; tensor: tf.Tensor }[]): void {
  const powers = optimizer as unknown as WithPowers;
  for (const { name, tensor } of saved) {
    const key = ADAM_POWERS.find((k) => name === `adam/${k}`);
    if (key && powers[key]) powers[key]!.assign(tensor);
  }
}

export const isOmittedState = (name: string) => name.startsWith('adam/');
