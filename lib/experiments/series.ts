/**
 * Where the notebook series keeps its results, and how it trains: one folder of runs (and of sweeps) per
 * profile, so a quick check never overwrites the results of a full reproduction. Later notebooks read
 * what earlier ones wrote (05-report loads every run of 02-cnn, 03-vit and 04-tuning).
 */
import { rmSync } from 'fs';
import { join, relative } from 'path';
import type { MnistData } from '../data/mnist';
import { resolveConfig } from '../train/config';
import { loadRunResult, reuseMismatch } from '../train/reuse';
import { RunResult, trainRun } from '../train/run';
import type { TrainConfig } from '../train/types';
import { resumeSweep, runSweep, sameSweep, SweepOptions, SweepResult } from '../tune/sweep';
import { RESULTS_DIR } from '../util/paths';

export function seriesDir(profile: string, kind: 'runs' | 'sweeps'): string {
  return join(RESULTS_DIR, kind, `notebooks-${profile}`);
}

/** `npm start -- --fresh` (or PIXELWISE_FRESH=1) retrains every run and sweep instead of reusing finished ones. */
export const FRESH_ENV = 'PIXELWISE_FRESH';
const fresh = () => process.env[FRESH_ENV] === '1';

/**
 * Trains `overrides.model` (its recipe with these overrides) into the profile's runs folder as `name`. A
 * finished run there of the same configuration, data and training code is reused instead (it would come
 * out the same); anything else there is replaced.
 */
export async function trainSeriesModel(
  profile: string,
  overrides: Partial<TrainConfig> & { model: string },
  data: MnistData,
  name = overrides.model,
): Promise<RunResult> {
  const runDir = join(seriesDir(profile, 'runs'), name);
  const config = resolveConfig(overrides);
  const mismatch = fresh() ? 'fresh requested' : reuseMismatch(runDir, config, data.source);
  if (!mismatch) {
    process.stderr.write(`reusing ${relative(RESULTS_DIR, runDir)}: same configuration, data and training code (npm start -- --fresh retrains)\n`);
    return loadRunResult(runDir, data);
  }
  rmSync(runDir, { recursive: true, force: true });
  return trainRun(config, { runDir, data, verbose: true });
}

/**
 * Runs a sweep into the profile's sweeps folder as `name`. A sweep there of the same definition and training
 * code is continued instead (its finished trials are kept: a complete one returns at once); anything else
 * there is replaced.
 */
export async function runSeriesSweep(profile: string, name: string, options: Omit<SweepOptions, 'sweepDir'>): Promise<SweepResult> {
  const sweepDir = join(seriesDir(profile, 'sweeps'), name);
  if (!fresh() && sameSweep(sweepDir, options)) {
    process.stderr.write(`continuing ${relative(RESULTS_DIR, sweepDir)}: same sweep and training code (npm start -- --fresh reruns it)\n`);
    return resumeSweep(sweepDir, options);
  }
  rmSync(sweepDir, { recursive: true, force: true });
  return runSweep({ ...options, sweepDir });
}
