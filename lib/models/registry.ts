/** The named architectures: every model of cnn.ts and vit.ts, and any a notebook registers. */
import * as tf from '@tensorflow/tfjs';
import { CNN_MODELS } from './cnn';
import { ImageSize, MNIST_IMAGE, ModelError, ModelFamily, ModelOptions, ModelSpec } from './spec';
import { VIT_MODELS } from './vit';

const registry = new Map<string, ModelSpec>([...CNN_MODELS, ...VIT_MODELS].map((spec) => [spec.name, spec]));

export function registerModel(spec: ModelSpec): void {
  registry.set(spec.name, spec);
}

export function modelNames(): string[] {
  return [...registry.keys()];
}

export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (!spec) throw new ModelError(`unknown model "${name}" (available: ${modelNames().join(', ')})`);
  return spec;
}

/** Refuses option names the model does not have, naming the ones it does. */
export function checkModelOptions(name: string, options: ModelOptions | undefined): void {
  const known = getModelSpec(name).options;
  const unknown = Object.keys(options ?? {}).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const have = known.length > 0 ? `its options: ${known.join(', ')}` : 'it has no options';
    throw new ModelError(`model ${name} has no option ${unknown.map((key) => JSON.stringify(key)).join(', ')} (${have})`);
  }
}

export function modelFamily(name: string, options?: ModelOptions): ModelFamily {
  const spec = getModelSpec(name);
  return spec.familyOf?.(options) ?? spec.family;
}

export function buildModel(name: string, options?: ModelOptions, image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  checkModelOptions(name, options);
  return getModelSpec(name).build(options, image);
}

export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
