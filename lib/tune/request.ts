/**
 * A sweep as npm run tune asks for it: each setting optional and named by its flag, as the messages name it.
 * sweepOptions applies the defaults and the rules between settings; resumableSweep reads the sweep to
 * continue and refuses a setting that differs from the one it was started with.
 */
import type { BackendName } from '../backend/select';
import { resolveConfig } from '../train/config';
import { UsageError } from '../util/errors';
import { loadSpace } from './space';
import { readDefinition } from './store';
import type { SweepOptions } from './sweep';
import type { SamplerName, SearchSpace, SweepDefinition } from './types';

export interface SweepFlags {
  sampler?: SamplerName;
  trials?: number;
  'max-epochs'?: number;
  'min-epochs'?: number;
  eta?: number;
  seed?: number;
  'train-limit'?: number;
  data?: string;
  backend?: BackendName;
  threads?: number;
}

const DEFAULT_SAMPLER: SamplerName = 'random';
const DEFAULT_SEED = 42;

/** A new sweep of `space` with these settings: random sampling, seed 42 and the recipe's epochs unless given. */
export function sweepOptions(space: SearchSpace, flags: SweepFlags): Omit<SweepOptions, 'workers' | 'sweepDir' | 'onStart' | 'onResult' | 'data'> {
  const sampler = flags.sampler ?? DEFAULT_SAMPLER;
  if (sampler !== 'grid' && flags.trials === undefined) throw new UsageError(`--trials N is required with --sampler ${sampler}`);
  if (sampler !== 'halving' && sampler !== 'hyperband' && (flags['min-epochs'] !== undefined || flags.eta !== undefined)) {
    throw new UsageError(`--min-epochs and --eta apply to the halving and hyperband samplers, not ${sampler}`);
  }
  const maxEpochs = flags['max-epochs'] ?? resolveConfig({ model: space.model }).epochs;
  if ((flags['min-epochs'] ?? 1) > maxEpochs) throw new UsageError(`--min-epochs ${flags['min-epochs']} exceeds --max-epochs ${maxEpochs}`);
  return {
    space,
    sampler,
    trials: flags.trials,
    seed: flags.seed ?? DEFAULT_SEED,
    maxEpochs,
    minEpochs: flags['min-epochs'],
    eta: flags.eta,
    trainLimit: flags['train-limit'],
    dataDir: flags.data,
    backend: flags.backend,
    threads: flags.threads,
  };
}

/** The definition of the sweep in `dir`, once every setting given (and the space file, if any) matches it. */
export function resumableSweep(dir: string, flags: SweepFlags, spaceFile?: string): SweepDefinition {
  const d = readDefinition(dir);
  const recorded: Record<string, unknown> = {
    sampler: d.sampler,
    trials: d.plan.trials.length,
    'max-epochs': d.maxEpochs,
    'min-epochs': d.minEpochs,
    eta: d.eta,
    seed: d.seed,
    'train-limit': d.trainLimit,
    data: d.dataDir,
    backend: d.backend,
    threads: d.configs[0]?.threads,
  };
  for (const [name, value] of Object.entries(flags)) {
    if (value !== undefined && value !== recorded[name]) {
      throw new UsageError(`--${name} ${value} differs from the sweep being resumed (${recorded[name] ?? 'unset'}); drop it to resume`);
    }
  }
  if (spaceFile && JSON.stringify(loadSpace(spaceFile)) !== JSON.stringify(d.space)) {
    throw new UsageError(`--space ${spaceFile} differs from the space the sweep was started with; drop it to resume`);
  }
  return d;
}
