/** The plain-data shapes of a sweep: search spaces, the plan (sweep.json) and one row of trials.jsonl. */
import type { BackendName } from '../backend/select';
import type { TrainConfig } from '../train/types';

export type ParamValue = number | string | boolean;
export type ParamValues = Record<string, ParamValue>;

export type ParamSpec =
  | { type: 'choice'; values: ParamValue[] }
  /** Integers low, low+step, ... ≤ high. */
  | { type: 'int'; low: number; high: number; step?: number }
  /** gridPoints: how many evenly spaced values the grid sampler takes (default 3, ends included). */
  | { type: 'uniform'; low: number; high: number; gridPoints?: number }
  | { type: 'loguniform'; low: number; high: number; gridPoints?: number };

/**
 * A search space. Keys of `fixed` and `params` are training options (lr, batchSize, ...) or model
 * options written `model.NAME` (model.width, model.dropout, ...).
 */
export interface SearchSpace {
  model: string;
  description?: string;
  fixed: ParamValues;
  params: Record<string, ParamSpec>;
}

export const SAMPLERS = ['grid', 'random', 'halving', 'hyperband'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** Successive-halving rung: this many trials train to this many epochs. */
export interface Rung {
  epochs: number;
  size: number;
}

export interface PlannedTrial {
  id: number;
  bracket: number;
  params: ParamValues;
}

/** A bracket runs successive halving over its trials; grid and random sweeps are one bracket with one rung. */
export interface Bracket {
  trials: number[];
  rungs: Rung[];
}

export interface SweepPlan {
  trials: PlannedTrial[];
  brackets: Bracket[];
}

/** sweep.json: everything a resumed sweep needs, so --resume reads no other option. */
export interface SweepDefinition {
  version: 1;
  sampler: SamplerName;
  seed: number;
  maxEpochs: number;
  minEpochs: number;
  eta: number;
  trainLimit?: number;
  dataDir?: string;
  backend?: BackendName;
  space: SearchSpace;
  plan: SweepPlan;
  /**
   * Each trial's training configuration at the full budget, resolved when the sweep started (so a recipe
   * edited later cannot change a resumed sweep); a job trains it with its rung's epochs.
   */
  configs: TrainConfig[];
  /** The training code's version (codeVersion) the sweep started with; absent in sweeps made before it was recorded. */
  code?: string;
  createdAt: string;
}

/**
 * How a job's run starts: a new run; continuing the trial's run from its checkpoint (only for schedules that
 * do not depend on the total epochs); or retraining from scratch with the larger budget.
 */
export type JobStart = 'new' | 'continue' | 'restart';

/** One unit of work: train trial `trial` to its budget at rung `rung`. */
export interface Job {
  trial: number;
  bracket: number;
  rung: number;
  epochs: number;
  start: JobStart;
  params: ParamValues;
  config: TrainConfig;
  /** Absolute run directory of the trial. */
  runDir: string;
}

/** One line of trials.jsonl: the outcome of one job. Everything but `timing` is deterministic. */
export interface TrialRecord {
  trial: number;
  bracket: number;
  rung: number;
  epochs: number;
  /** failed = the configuration could not be built (e.g. invalid model options); see error. */
  status: 'done' | 'failed';
  start: JobStart;
  params: ParamValues;
  /** Validation accuracy after the last epoch: the score trials are ranked by. */
  score: number | null;
  valAcc: number | null;
  valLoss: number | null;
  trainAcc: number | null;
  trainLoss: number | null;
  testAccuracy: number | null;
  testLoss: number | null;
  modelParams: number | null;
  /** Relative to the sweep directory. */
  runDir: string;
  config: TrainConfig;
  error?: string;
  timing: { seconds: number; trainSeconds: number; finishedAt: string };
}
