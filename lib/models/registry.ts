/**
 * The named architectures. Every model maps a [batch, 28, 28, 1] image batch to 10 logits
 * (no softmax: the loss wants logits, and callers that want probabilities apply softmax).
 */
import * as tf from '@tensorflow/tfjs';

export type ModelOptions = Record<string, number | string | boolean>;

export interface ModelSpec {
  name: string;
  family: 'cnn' | 'vit';
  description: string;
  /** The option names build() understands: any other name is a typo, refused rather than silently ignored. */
  options: readonly string[];
  /** Throws the reason when option values cannot build (say a ViT patch size that does not divide 28), without building:
   *  lets a command refuse them before it loads data. */
  validate?(options?: ModelOptions): void;
  /** Builds a fresh model; options override the architecture's defaults (widths, dropout, patch size...). */
  build(options?: ModelOptions): tf.LayersModel;
}

const registry = new Map<string, ModelSpec>();

export function registerModel(spec: ModelSpec): void {
  registry.set(spec.name, spec);
}

export function modelNames(): string[] {
  return [...registry.keys()];
}

export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (!spec) throw new Error(`unknown model "${name}" (available: ${modelNames().join(', ')})`);
  return spec;
}

/** Refuses option names the model does not have, naming the ones it does. */
export function checkModelOptions(name: string, options: ModelOptions | undefined): void {
  const known = getModelSpec(name).options;
  const unknown = Object.keys(options ?? {}).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const have = known.length > 0 ? `its options: ${known.join(', ')}` : 'it has no options';
    throw new Error(`model ${name} has no option ${unknown.map((key) => JSON.stringify(key)).join(', ')} (${have})`);
  }
}

export function buildModel(name: string, options?: ModelOptions): tf.LayersModel {
  checkModelOptions(name, options);
  return getModelSpec(name).build(options);
}

export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Reads a numeric option with a default, refusing values of the wrong type with a clear message. */
export function numberOption(options: ModelOptions | undefined, key: string, fallback: number): number {
  const value = options?.[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !isFinite(value)) throw new Error(`model option ${key} must be a number, got ${JSON.stringify(value)}`);
  return value;
}
