/** Resolves a training configuration: base defaults ← the model's recipe ← explicit overrides, then validates it. */
import { trainValSplit } from '../data/dataset';
import { checkModelOptions, getModelSpec } from '../models/registry';
import { UsageError } from '../util/errors';
import { BASE_CONFIG, OPTION_NAMES, optionDef, type OptionName, type TrainConfig } from './options';
import { RECIPES } from './recipes';

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
  for (const name of OPTION_NAMES) checkOption(name, c[name]);
  // Checks across options, then the model's own options.
  inRange('warmupEpochs', c.warmupEpochs, 0, c.epochs + 1);
  if (!(c.augmentShift >= 0) || !(c.augmentRotate >= 0)) throw new ConfigError('augmentShift and augmentRotate must be ≥ 0');
  for (const name of ['distillWeight', 'distillTemperature'] as const) {
    if (c[name] !== undefined && !c.teacher) throw new ConfigError(`${name} needs a teacher run (--teacher DIR)`);
  }
  try {
    checkModelOptions(c.model, c.modelOptions);
    // Ranges too (a negative width, a patch size that cannot tile the image): a sweep refuses its space up front.
    getModelSpec(c.model).validate?.(c.modelOptions);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** One option's value against its kind and range in the table; an optional option may be left out. */
function checkOption(name: OptionName, value: unknown): void {
  const { kind, range, choices, default: byDefault, required } = optionDef(name);
  if (value === undefined && byDefault === undefined && !required) return;
  if (kind === 'choice' && !choices!.includes(value as string)) throw new ConfigError(`${name} must be one of ${choices!.join(', ')}, got ${value}`);
  if (kind === 'int') {
    const positive = range === 'positive';
    if (!Number.isInteger(value) || (positive && (value as number) <= 0)) throw new ConfigError(`${name} must be ${positive ? 'a positive integer' : 'an integer'}, got ${value}`);
  }
  if (kind === 'number' && range !== undefined) {
    const x = value as number;
    if (range === 'positive' && !(x > 0 && isFinite(x))) throw new ConfigError(`${name} must be a positive number, got ${x}`);
    if (range === 'non-negative' && !(x >= 0)) throw new ConfigError(`${name} must be ≥ 0, got ${x}`);
    if (Array.isArray(range)) inRange(name, x, range[0], range[1]);
  }
}

function inRange(name: OptionName, value: number, low: number, high: number): void {
  if (!(value >= low && value < high)) throw new ConfigError(`${name} must be in [${low}, ${high}), got ${value}`);
}

/** A run's train/validation split of `count` training images: the one training used, and evaluation recomputes. */
export function runSplit(config: TrainConfig, count: number): { train: Int32Array; val: Int32Array } {
  return trainValSplit(count, config.valFraction, config.splitSeed ?? config.seed, config.trainLimit);
}
