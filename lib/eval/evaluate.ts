/** Batched evaluation of a model on a digit set: loss, accuracy, confusion matrix, per-class metrics, probabilities. */
import * as tf from '@tensorflow/tfjs';
import { modelImageSize } from '../models/spec';
import { shiftImages } from '../data/augment';
import { batchesOf, makeBatch } from '../data/dataset';
import { type DigitSet, NUM_CLASSES } from '../data/mnist';
import { ClassificationReport, classificationReport } from './metrics';

export interface Evaluation extends ClassificationReport {
  loss: number;
  labels: Int32Array;
  predictions: Int32Array;
  /** count × 10 softmax probabilities, row-major */
  probabilities: Float32Array;
}

/** Softmax probabilities of a [n, height, width, 1] batch (the model's input size), computed in batches to bound memory. */
export function predictProbabilities(model: tf.LayersModel, images: Float32Array, count: number, batchSize = 256): Float32Array {
  const { height, width } = modelImageSize(model);
  const pixels = height * width;
  if (images.length !== count * pixels) throw new Error(`${count} images of ${height}×${width} pixels need ${count * pixels} values, got ${images.length}`);
  const out = new Float32Array(count * NUM_CLASSES);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * pixels, (start + n) * pixels), [n, height, width, 1]);
      // The whole chunk at once: model.predict would split it again into its default batches of 32.
      return tf.softmax(model.predict(x, { batchSize: n }) as tf.Tensor2D);
    });
    out.set(probs.dataSync(), start * NUM_CLASSES);
    probs.dispose();
  }
  return out;
}

export function argmaxRows(probabilities: Float32Array, numClasses = NUM_CLASSES): Int32Array {
  const rows = probabilities.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[r * numClasses + c] > probabilities[r * numClasses + best]) best = c;
    out[r] = best;
  }
  return out;
}

export interface EvaluateOptions {
  batchSize?: number;
  /** Test-time augmentation: average the probabilities of each image and its one-pixel shifts (TTA_SHIFTS). */
  tta?: boolean;
}

/** The views test-time augmentation averages: the image itself and its shifts by one pixel in the four directions. */
export const TTA_SHIFTS: readonly (readonly [number, number])[] = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];

/** predictProbabilities, averaged over the test-time views. */
export function predictWithViews(model: tf.LayersModel, images: Float32Array, count: number, batchSize = 256): Float32Array {
  const { height, width } = modelImageSize(model);
  const mean = new Float32Array(count * NUM_CLASSES);
  for (const [dx, dy] of TTA_SHIFTS) {
    const probabilities = predictProbabilities(model, shiftImages(images, count, height, width, dx, dy), count, batchSize);
    for (let i = 0; i < mean.length; i++) mean[i] += probabilities[i] / TTA_SHIFTS.length;
  }
  return mean;
}

export function evaluateModel(model: tf.LayersModel, set: DigitSet, indices: Int32Array, options: EvaluateOptions = {}): Evaluation {
  const batchSize = options.batchSize ?? 256;
  const predict = options.tta ? predictWithViews : predictProbabilities;
  const probabilities = new Float32Array(indices.length * NUM_CLASSES);
  const labels = new Int32Array(indices.length);
  let offset = 0;
  for (const batchIndices of batchesOf(indices, batchSize)) {
    const batch = makeBatch(set, batchIndices);
    probabilities.set(predict(model, batch.images, batch.size, batchSize), offset * NUM_CLASSES);
    labels.set(batch.labels, offset);
    offset += batch.size;
  }
  return evaluationOf(probabilities, labels);
}

/** Loss, accuracy, confusion matrix and per-class metrics of count × 10 probabilities against their labels. */
export function evaluationOf(probabilities: Float32Array, labels: Int32Array): Evaluation {
  const predictions = argmaxRows(probabilities);
  let lossSum = 0;
  for (let i = 0; i < labels.length; i++) lossSum -= Math.log(Math.max(probabilities[i * NUM_CLASSES + labels[i]], 1e-12));
  return {
    ...classificationReport(labels, predictions),
    loss: labels.length ? lossSum / labels.length : 0,
    labels,
    predictions,
    probabilities,
  };
}
