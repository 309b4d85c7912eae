/**
 * What a model architecture is to the rest of the library: its spec (name, options, validate, build), the
 * image size it takes, and readers for its options. Every model maps a [batch, height, width, 1] image batch
 * to 10 logits (no softmax: the loss wants logits, and callers that want probabilities apply softmax); it is
 * built for the image size of its data, MNIST's 28×28 unless told otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { PixelwiseError, UsageError } from '../util/errors';

/** A model name or model options that cannot build: bad arguments wherever they came from. */
export class ModelError extends UsageError {}

export type ModelOptions = Record<string, number | string | boolean>;

export interface ImageSize {
  height: number;
  width: number;
}

export const MNIST_IMAGE: ImageSize = { height: 28, width: 28 };

export const describeSize = ({ height, width }: ImageSize) => `${height}×${width}`;

/** The image size a built or loaded model takes (its input is [batch, height, width, 1]). */
export function modelImageSize(model: tf.LayersModel): ImageSize {
  const [, height, width] = model.inputs[0].shape;
  return { height: height ?? 0, width: width ?? 0 };
}

/** A saved model takes images of one size: data of another size is refused naming the data's directory. */
export function checkImageSize(model: tf.LayersModel, image: ImageSize, dataDir: string): void {
  const taken = modelImageSize(model);
  if (taken.height !== image.height || taken.width !== image.width) {
    throw new PixelwiseError(`${dataDir}: its images are ${describeSize(image)}, the run's model takes ${describeSize(taken)}`);
  }
}

/** What kind of network a trained model is: convolutional, pure transformer, or transformer on convolutional features. */
export type ModelFamily = 'cnn' | 'vit' | 'hybrid';

export interface ModelSpec {
  name: string;
  family: 'cnn' | 'vit';
  description: string;
  /** The option names build() understands: any other name is a typo, refused rather than silently ignored. */
  options: readonly string[];
  /** What a model built with these options is, where that depends on them (a ViT with a convolutional stem is a hybrid). */
  familyOf?(options?: ModelOptions): ModelFamily;
  /** Throws the reason when option values cannot build, without building. Without `image` only the rules that
   *  hold for any size are checked (a command refuses them before it loads data); with it, the size too
   *  (a ViT patch size that does not divide the image). */
  validate?(options?: ModelOptions, image?: ImageSize): void;
  /** Builds a fresh model for images of `image` size; options override the architecture's defaults. */
  build(options: ModelOptions | undefined, image: ImageSize): tf.LayersModel;
}

/** Reads a numeric option with a default, refusing values of the wrong type with a clear message. */
export function modelNumber(options: ModelOptions | undefined, key: string, fallback: number): number {
  const value = options?.[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !isFinite(value)) throw new ModelError(`model option ${key} must be a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads a choice option with a default, refusing values outside `choices`. */
export function modelChoice<T extends string>(options: ModelOptions | undefined, key: string, choices: readonly T[], fallback: T): T {
  const value = options?.[key] ?? fallback;
  if (!choices.includes(value as T)) throw new ModelError(`model option ${key} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}
