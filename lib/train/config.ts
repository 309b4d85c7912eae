/** Resolves a training configuration: base defaults ← the model's recipe ← explicit overrides, then validates it. */
import { BACKEND_ORDER } from '../backend/select';
import { trainValSplit } from '../data/dataset';
import { checkModelOptions, getModelSpec } from '../models/registry';
import { BASE_CONFIG, RECIPES } from './recipes';
import { UsageError } from '../util/errors';
import type { TrainConfig } from './types';

const SCHEDULES = ['constant', 'step', 'cosine', 'onecycle'];
const OPTIMIZERS = ['adam', 'adamw', 'sgd'];

/** A training configuration that cannot run as given. */
export class ConfigError extends UsageError {}

export function resolveConfig(overrides: Partial<TrainConfig> & { model: string }): TrainConfig {
  getModelSpec(overrides.model);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config: TrainConfig = { ...BASE_CONFIG, ...RECIPES[overrides.model], ...defined } as TrainConfig;
  validateConfig(config);
  return config;
}

export function validateConfig(c: TrainConfig): void {
  const positiveInt = (key: keyof TrainConfig, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) <= 0) throw new ConfigError(`${key} must be a positive integer, got ${value}`);
  };
  const inRange = (key: keyof TrainConfig, value: number, low: number, high: number) => {
    if (!(value >= low && value < high)) throw new ConfigError(`${key} must be in [${low}, ${high}), got ${value}`);
  };
  positiveInt('epochs', c.epochs);
  positiveInt('batchSize', c.batchSize);
  if (!Number.isInteger(c.seed)) throw new ConfigError(`seed must be an integer, got ${c.seed}`);
  if (!(c.lr > 0) || !isFinite(c.lr)) throw new ConfigError(`lr must be a positive number, got ${c.lr}`);
  if (!SCHEDULES.includes(c.schedule)) throw new ConfigError(`schedule must be one of ${SCHEDULES.join(', ')}, got ${c.schedule}`);
  if (!OPTIMIZERS.includes(c.optimizer)) throw new ConfigError(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${c.optimizer}`);
  if (c.backend !== undefined && !BACKEND_ORDER.includes(c.backend)) throw new ConfigError(`backend must be one of ${BACKEND_ORDER.join(', ')}, got ${c.backend}`);
  if (c.threads !== undefined) positiveInt('threads', c.threads);
  inRange('weightDecay', c.weightDecay, 0, 1);
  inRange('labelSmoothing', c.labelSmoothing, 0, 1);
  inRange('valFraction', c.valFraction, 0, 0.5);
  inRange('warmupEpochs', c.warmupEpochs, 0, c.epochs + 1);
  if (!(c.clipNorm >= 0)) throw new ConfigError(`clipNorm must be ≥ 0, got ${c.clipNorm}`);
  if (!(c.augmentShift >= 0) || !(c.augmentRotate >= 0)) throw new ConfigError('augmentShift and augmentRotate must be ≥ 0');
  inRange('augmentScale', c.augmentScale, 0, 1);
  inRange('ema', c.ema, 0, 1);
  if (c.splitSeed !== undefined && !Number.isInteger(c.splitSeed)) throw new ConfigError(`splitSeed must be an integer, got ${c.splitSeed}`);
  try {
    checkModelOptions(c.model, c.modelOptions);
    // Ranges too (a negative width, a patch size that cannot tile the image): a sweep refuses its space up front.
    getModelSpec(c.model).validate?.(c.modelOptions);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (c.trainLimit !== undefined) positiveInt('trainLimit', c.trainLimit);
  if (c.testLimit !== undefined) positiveInt('testLimit', c.testLimit);
}

/** A run's train/validation split of `count` training images: the one training used, and evaluation recomputes. */
export function runSplit(config: TrainConfig, count: number): { train: Int32Array; val: Int32Array } {
  return trainValSplit(count, config.valFraction, config.splitSeed ?? config.seed, config.trainLimit);
}
