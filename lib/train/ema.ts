/**
 * An exponential moving average of a model's weights (Polyak averaging): after every step each average moves
 * a fraction 1 − decay towards the live weight. The average sits in the flat middle of the region the last
 * few thousand steps explored, so it generalises better than the weights of any single step; a run with
 * `ema` on validates, tests and saves the average, and keeps training the live weights.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The decay used at step t: min(decay, (1 + t) / (10 + t)). Early on the average would otherwise remember
 * the random initialisation for thousands of steps (TensorFlow's ExponentialMovingAverage num_updates rule).
 */
export const emaDecayAt = (decay: number, step: number) => Math.min(decay, (1 + step) / (10 + step));

export class WeightAverage {
  /** One average per model weight, batch-norm statistics included (they must match the averaged filters). */
  readonly averages: tf.Variable[];

  constructor(private readonly model: tf.LayersModel, private readonly decay: number, initial?: tf.Tensor[]) {
    const weights = model.weights.map((w) => w.read());
    if (initial && initial.length !== weights.length) throw new Error(`the saved weight average has ${initial.length} tensors, the model ${weights.length}`);
    this.averages = weights.map((w, i) => tf.variable(initial?.[i] ?? w, false));
  }

  /** Moves every average towards its weight; `step` counts the updates made before this one. */
  update(step: number): void {
    const d = emaDecayAt(this.decay, step);
    tf.tidy(() => {
      this.model.weights.forEach((w, i) => this.averages[i].assign(tf.add(tf.mul(this.averages[i], d), tf.mul(w.read(), 1 - d))));
    });
  }

  /** Runs fn with the averages in the model's weights, then puts the live weights back. */
  async withAverage<T>(fn: () => T | Promise<T>): Promise<T> {
    const live = this.model.weights.map((w) => tf.clone(w.read()));
    this.load();
    try {
      return await fn();
    } finally {
      this.model.weights.forEach((w, i) => w.write(live[i]));
      live.forEach((t) => t.dispose());
    }
  }

  /** Replaces the model's weights by the averages for good (the end of a run). */
  load(): void {
    // write() makes the variable share the copy's data, so the copy itself can go at once.
    this.model.weights.forEach((w, i) => {
      const copy = tf.clone(this.averages[i]);
      w.write(copy);
      copy.dispose();
    });
  }

  dispose(): void {
    this.averages.forEach((v) => v.dispose());
  }
}
