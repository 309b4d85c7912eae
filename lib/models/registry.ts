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

export function buildModel(name: string, options?: ModelOptions): tf.LayersModel {
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
