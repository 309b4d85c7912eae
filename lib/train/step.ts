/** One optimisation step: forward, loss, gradients, optional clipping, update. Everything inside one tidy. */
import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES } from '../data/mnist';
import { distillationLoss } from './distill';
import { applyWeightDecay } from './optimizer';

export interface StepOptions {
  labelSmoothing: number;
  clipNorm: number;
  weightDecay: number;
  lr: number;
}

/** The teacher's logits of this batch and how much of the loss they get (distill.ts). */
export interface StepTeacher {
  logits: tf.Tensor2D;
  weight: number;
  temperature: number;
}

export interface StepResult {
  loss: number;
  correct: number;
}

export function classificationLoss(logits: tf.Tensor, labels: tf.Tensor1D, labelSmoothing: number): tf.Scalar {
  const oneHot = tf.oneHot(labels, NUM_CLASSES);
  return tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, labelSmoothing) as tf.Scalar;
}

export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  const list = Object.values(grads);
  const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
  return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)]));
}

export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  options: StepOptions,
  teacher?: StepTeacher,
): StepResult {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const [loss, correct] = tf.tidy(() => {
    let correctCount: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(images, { training: true }) as tf.Tensor2D;
      // Kept so the accuracy survives the gradient tape's own tidy.
      correctCount = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'))) as tf.Scalar;
      const loss = classificationLoss(logits, labels, options.labelSmoothing);
      if (!teacher) return loss;
      const taught = distillationLoss(logits, teacher.logits, teacher.temperature);
      return tf.add(tf.mul(loss, 1 - teacher.weight), tf.mul(taught, teacher.weight)) as tf.Scalar;
    }, variables);
    optimizer.applyGradients(options.clipNorm > 0 ? clipByGlobalNorm(grads, options.clipNorm) : grads);
    applyWeightDecay(variables, options.lr, options.weightDecay);
    return [value, correctCount!];
  });
  const result = { loss: loss.dataSync()[0], correct: correct.dataSync()[0] };
  loss.dispose();
  correct.dispose();
  return result;
}
