/** Optimizers with a learning rate that can change every step, and their state as plain tensors for checkpoints. */
import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM, type FusedAdamAttrs } from '../backend/fused-names';

/** sgd: momentum 0.9, Nesterov. */
export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export function createOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  return name === 'sgd' ? tf.train.momentum(lr, 0.9, true) : new Adam(lr, 0.9, 0.999);
}

/** The state tf.AdamOptimizer keeps in fields its typings call private. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * tf.train.adam, whose update of each variable is one fused kernel where the active backend has it (the
 * oneDNN engine) instead of fourteen elementwise ones: same arithmetic in the same order, same state,
 * same checkpoints. Elsewhere it is tfjs's own applyGradients.
 */
class Adam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getKernel(FUSED_ADAM, tf.getBackend()) == null) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const named: { name: string; tensor: tf.Tensor }[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const attrs: FusedAdamAttrs = { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate };
    tf.tidy(() => {
      named.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel(FUSED_ADAM,
          { value, m, v, gradient, accBeta1: state.accBeta1, accBeta2: state.accBeta2 }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
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
