/**
 * Grad-CAM (Selvaraju et al. 2017) on a CNN's last convolution: its feature maps weighted by the mean
 * gradient of the class logit over each map, summed, rectified and resized to the image. Coarser than
 * saliency; it shows which regions feed the features that decide the class.
 */
import * as tf from '@tensorflow/tfjs';
import { asBatch } from '../models/attention';
import { ModelImages, perImage, targetMask } from './saliency';

export interface GradCam {
  /** The convolution the maps come from. */
  layer: string;
  /** Its feature-map side (e.g. 14 for a 28-pixel input after one 2×2 pool). */
  featureSide: number;
  /** Per image, row-major at the image's size, ≥ 0. */
  maps: Float32Array[];
}

/**
 * The model split after its last Conv2D: the part up to the convolution, and the layers after it, which
 * must form a chain (a tf.sequential CNN) so the logits can be recomputed from the feature maps.
 */
function splitAtLastConv(model: tf.LayersModel) {
  const index = model.layers.map((layer) => layer.getClassName()).lastIndexOf('Conv2D');
  if (index < 0) throw new Error(`gradCam: model "${model.name}" has no Conv2D layer`);
  if (!(model instanceof tf.Sequential)) throw new Error(`gradCam: model "${model.name}" is not a sequential CNN`);
  const conv = model.layers[index];
  const body = tf.model({ inputs: model.inputs, outputs: conv.output as tf.SymbolicTensor });
  return { conv, body, head: model.layers.slice(index + 1) };
}

export function gradCam(model: tf.LayersModel, images: ModelImages, classes?: ArrayLike<number>): GradCam {
  const { conv, body, head } = splitAtLastConv(model);
  const maps = tf.tidy(() => {
    const batch = asBatch(images, model);
    const features = body.predict(batch) as tf.Tensor4D;
    const logitsOf = (a: tf.Tensor4D) => head.reduce<tf.Tensor>((t, layer) => layer.apply(t, { training: false }) as tf.Tensor, a) as tf.Tensor2D;
    const mask = targetMask(logitsOf(features), classes);
    const gradient = tf.grad((a) => tf.sum(tf.mul(logitsOf(a as tf.Tensor4D), mask)))(features);
    const weights = tf.mean(gradient, [1, 2], true);
    const cam = tf.relu(tf.sum(tf.mul(weights, features), -1, true)) as tf.Tensor4D;
    return tf.image.resizeBilinear(cam, [batch.shape[1], batch.shape[2]]).squeeze([3]) as tf.Tensor3D;
  });
  return { layer: conv.name, featureSide: (conv.outputShape as number[])[1], maps: perImage(maps) };
}
