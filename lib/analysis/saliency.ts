/**
 * Saliency (Simonyan et al. 2013): the gradient of one class logit with respect to the input pixels. Its
 * magnitude says which pixels would change that logit most: where the model looks.
 */
import * as tf from '@tensorflow/tfjs';
import { asBatch } from '../models/attention';

/** Images as a tensor or flat pixel arrays; classes per image, default the model's prediction. */
export type ModelImages = tf.Tensor4D | ArrayLike<number>[];

/**
 * One-hot rows selecting, per image, the logit to explain: `classes` when given, else the predicted class
 * (call inside tf.tidy).
 */
export function targetMask(logits: tf.Tensor2D, classes?: ArrayLike<number>): tf.Tensor2D {
  const [n, numClasses] = logits.shape;
  if (classes && classes.length !== n) throw new Error(`targetMask: ${n} images but ${classes.length} classes`);
  const target = classes ? tf.tensor1d(Int32Array.from(classes), 'int32') : tf.argMax(logits, 1);
  return tf.oneHot(target as tf.Tensor1D, numClasses).toFloat() as tf.Tensor2D;
}

/** |∂ logit / ∂ pixel| per image (max over channels), as flat row-major arrays the size of the image. */
export function saliencyMaps(model: tf.LayersModel, images: ModelImages, classes?: ArrayLike<number>): Float32Array[] {
  const maps = tf.tidy(() => {
    const batch = asBatch(images, model);
    const logitsOf = (x: tf.Tensor4D) => model.apply(x, { training: false }) as tf.Tensor2D;
    const mask = targetMask(logitsOf(batch), classes);
    const gradient = tf.grad((x) => tf.sum(tf.mul(logitsOf(x as tf.Tensor4D), mask)))(batch);
    return tf.max(tf.abs(gradient), -1) as tf.Tensor3D;
  });
  return perImage(maps);
}

/** A [n, height, width] tensor as n flat row-major maps; disposes it. */
export function perImage(maps: tf.Tensor3D): Float32Array[] {
  const [n, height, width] = maps.shape;
  const values = maps.dataSync() as Float32Array;
  maps.dispose();
  return Array.from({ length: n }, (_, i) => values.slice(i * height * width, (i + 1) * height * width));
}
