/**
 * Every training option, defined once: what kind of value it takes, its default, the values it may take, its
 * command-line flag and help, and what a search space may do with it. TrainConfig, the base defaults,
 * validateConfig's per-option checks, npm run train's flags and usage (option-flags.ts) and the tuner's
 * searchable and fixed options (tune/space.ts) are all read off this table; its order is the usage's.
 */
import { BACKEND_ORDER } from '../backend/select';
import type { ModelOptions } from '../models/spec';
import { modelNames } from '../models/registry';
import { OPTIMIZERS } from './optimizer';
import { SCHEDULES } from './schedule';

/**
 * What an option's value is. `options` is the model's own options (widths, dropout, patch size, ...), given as
 * key=value on the command line and written model.NAME in a space.
 */
export type OptionKind = 'int' | 'number' | 'boolean' | 'choice' | 'string' | 'path' | 'options';

/**
 * What a search space may do with an option: search it, only fix it (searching it would change the data the
 * scores are measured on), or neither, because the sweep sets it itself (the reason says from where). An
 * option without a role is not an option of a space at all (threads; model options are written model.NAME).
 */
export type SweepRole = 'search' | 'fixed' | { readonly setBy: string };

export interface OptionDef {
  readonly kind: OptionKind;
  readonly flag: string;
  /** The value's placeholder in the usage (N, X, DIR); booleans have none (--flag / --no-flag). */
  readonly arg?: string;
  /** What the usage says of it (a choice's usage lists its choices first). */
  readonly help?: string | (() => string);
  /** The help ends with "(default <default>)". */
  readonly helpDefault?: true;
  /** Options with a default (and the model) are always in a resolved configuration; the others are optional. */
  readonly default?: number | string | boolean;
  readonly required?: true;
  readonly choices?: readonly string[];
  /** Checked by validateConfig: positive, non-negative or in [low, high). Integers without one must be integers. */
  readonly range?: 'positive' | 'non-negative' | readonly [low: number, high: number];
  readonly sweep?: SweepRole;
}

/** What a run with a teacher uses when it sets neither --distill-weight nor --distill-temperature (distill.ts). */
export const DISTILL_DEFAULTS = { weight: 0.5, temperature: 2 } as const;

export const TRAIN_OPTIONS = {
  model: {
    kind: 'string',
    flag: 'model',
    arg: 'NAME',
    help: () => `architecture: ${modelNames().join(', ')}`,
    required: true,
    sweep: { setBy: 'the model is named at the top level of the space ("model": "cnn-small")' },
  },
  epochs: {
    kind: 'int',
    flag: 'epochs',
    arg: 'N',
    help: "training epochs (default: the model's recipe)",
    default: 2,
    range: 'positive',
    sweep: { setBy: 'epochs is the sampler budget: use --max-epochs (and --min-epochs for halving)' },
  },
  batchSize: { kind: 'int', flag: 'batch-size', arg: 'N', help: 'samples per step', default: 64, range: 'positive', sweep: 'search' },
  lr: { kind: 'number', flag: 'lr', arg: 'X', help: 'peak learning rate', default: 0.001, range: 'positive', sweep: 'search' },
  schedule: { kind: 'choice', flag: 'schedule', arg: 'S', choices: SCHEDULES, default: 'constant', sweep: 'search' },
  /** Epochs of linear warm-up before the schedule starts (fractions allowed); validateConfig holds it below epochs + 1. */
  warmupEpochs: { kind: 'number', flag: 'warmup-epochs', arg: 'X', help: 'linear warm-up before the schedule', default: 0, sweep: 'search' },
  optimizer: { kind: 'choice', flag: 'optimizer', arg: 'O', choices: OPTIMIZERS, default: 'adam', sweep: 'search' },
  /** Decoupled weight decay (AdamW) or L2-free SGD decay; 0 disables it. */
  weightDecay: { kind: 'number', flag: 'weight-decay', arg: 'X', help: 'decoupled weight decay (adamw, sgd)', default: 0, range: [0, 1], sweep: 'search' },
  labelSmoothing: { kind: 'number', flag: 'label-smoothing', arg: 'X', help: '0 to disable', default: 0, range: [0, 1], sweep: 'search' },
  clipNorm: { kind: 'number', flag: 'clip-norm', arg: 'X', help: 'clip the global gradient norm (0 = off)', default: 0, range: 'non-negative', sweep: 'search' },
  augment: { kind: 'boolean', flag: 'augment', help: 'random shifts, rotations and size changes of training images', default: false, sweep: 'search' },
  // The two magnitudes' range is checked jointly in validateConfig (one message for both).
  augmentShift: { kind: 'number', flag: 'augment-shift', arg: 'X', help: 'max shift in pixels when augmenting', default: 2, sweep: 'search' },
  augmentRotate: { kind: 'number', flag: 'augment-rotate', arg: 'X', help: 'max rotation in degrees when augmenting', default: 10, sweep: 'search' },
  augmentScale: {
    kind: 'number',
    flag: 'augment-scale',
    arg: 'X',
    help: 'max relative size change when augmenting (0.1: 0.9–1.1 times; 0 = off)',
    default: 0,
    range: [0, 1],
    sweep: 'search',
  },
  /** The moving average of the weights is validated, tested and saved (0.999: over about a thousand steps). */
  ema: {
    kind: 'number',
    flag: 'ema',
    arg: 'X',
    help: 'validate, test and save a moving average of the weights with this decay\n(e.g. 0.999; 0 = off, the live weights)',
    default: 0,
    range: [0, 1],
    sweep: 'search',
  },
  teacher: {
    kind: 'path',
    flag: 'teacher',
    arg: 'DIR',
    help: "a finished run whose softened predictions the model also learns (distillation; it must not have\ntrained on this run's validation images)",
    sweep: 'fixed',
  },
  // Optional rather than defaulted: a run without a teacher records no distillation settings.
  distillWeight: {
    kind: 'number',
    flag: 'distill-weight',
    arg: 'X',
    help: () => `share of the loss given to the teacher (default ${DISTILL_DEFAULTS.weight})`,
    range: [0, 1],
    sweep: 'search',
  },
  distillTemperature: {
    kind: 'number',
    flag: 'distill-temperature',
    arg: 'T',
    help: () => `softmax temperature of the teacher's and the model's predictions (default ${DISTILL_DEFAULTS.temperature})`,
    range: 'positive',
    sweep: 'search',
  },
  modelOptions: {
    kind: 'options',
    flag: 'model-option',
    arg: 'K=V',
    help: 'architecture option, repeatable (e.g. width=16 for cnn-small, depth=6 for vit-tiny)',
  },
  valFraction: {
    kind: 'number',
    flag: 'val-fraction',
    arg: 'X',
    help: 'share of training images held out for validation',
    helpDefault: true,
    default: 0.05,
    range: [0, 0.5],
    sweep: 'fixed',
  },
  seed: {
    kind: 'int',
    flag: 'seed',
    arg: 'N',
    help: 'seed for initialisation, split, shuffling, dropout, augmentation',
    helpDefault: true,
    default: 42,
    sweep: { setBy: 'seed comes from --seed (every trial trains with the sweep seed, so all share one validation split)' },
  },
  /** Seed of the train/validation split alone (default: seed), so runs of several seeds can share one split. */
  splitSeed: {
    kind: 'int',
    flag: 'split-seed',
    arg: 'N',
    help: 'seed of the train/validation split alone (default: --seed), so seeds can share a split',
    sweep: 'fixed',
  },
  trainLimit: { kind: 'int', flag: 'train-limit', arg: 'N', help: 'use only N training images (quick runs)', range: 'positive', sweep: 'fixed' },
  testLimit: { kind: 'int', flag: 'test-limit', arg: 'N', help: 'evaluate on the first N test images', range: 'positive', sweep: 'fixed' },
  dataDir: {
    kind: 'path',
    flag: 'data',
    arg: 'DIR',
    help: 'directory with the four MNIST-format IDX files (raw or .gz)',
    sweep: { setBy: 'the data directory comes from --data' },
  },
  backend: {
    kind: 'choice',
    flag: 'backend',
    arg: 'B',
    help: '(default: the first that loads, in this order)',
    choices: BACKEND_ORDER,
    sweep: { setBy: 'the backend comes from --backend' },
  },
  /** Threads of the multi-threaded engines (a sweep divides the cores among its workers). */
  threads: {
    kind: 'int',
    flag: 'threads',
    arg: 'N',
    help: 'threads of the multi-threaded engines, onednn and wasm-threaded (default: every core, at most 8)',
    range: 'positive',
  },
} as const satisfies Record<string, OptionDef>;

type Options = typeof TRAIN_OPTIONS;
export type OptionName = keyof Options;

/** The value an option takes, from its kind (a choice: one of its choices). */
type ValueOf<D> = D extends { kind: 'choice'; choices: readonly (infer C)[] }
  ? C
  : D extends { kind: 'int' | 'number' }
    ? number
    : D extends { kind: 'boolean' }
      ? boolean
      : D extends { kind: 'options' }
        ? ModelOptions
        : string;

type AlwaysSet = { [K in OptionName]: Options[K] extends { default: unknown } | { required: true } ? K : never }[OptionName];
type Flat<T> = { [K in keyof T]: T[K] };

/** A training run's configuration (config.json's "config"): every option of the table, typed by its kind. */
export type TrainConfig = Flat<{ -readonly [K in AlwaysSet]: ValueOf<Options[K]> } & { -readonly [K in Exclude<OptionName, AlwaysSet>]?: ValueOf<Options[K]> }>;

export const OPTION_NAMES = Object.keys(TRAIN_OPTIONS) as OptionName[];

/** The definition of an option, seen as the general shape (the table's literal types aside). */
export const optionDef = (name: OptionName): OptionDef => TRAIN_OPTIONS[name];

/** The table's defaults as written; assigning them to BASE_CONFIG checks each against its option's kind. */
type Defaults = { [K in OptionName as Options[K] extends { default: unknown } ? K : never]: Options[K] extends { default: infer D } ? D : never };

/** The defaults a run starts from before its model's recipe and the overrides. */
export const BASE_CONFIG: Omit<TrainConfig, 'model'> = Object.fromEntries(
  OPTION_NAMES.flatMap((name) => (optionDef(name).default === undefined ? [] : [[name, optionDef(name).default]])),
) as Defaults;
