/**
 * Where the notebook series keeps its results, and how it trains: one folder of runs (and of sweeps) per
 * profile, so a quick check never overwrites the results of a full reproduction. Later notebooks read
 * what earlier ones wrote (05-report loads every run of 02-cnn, 03-vit and 04-tuning).
 */
import { rmSync } from 'fs';
import { join } from 'path';
import type { MnistData } from '../data/mnist';
import { resolveConfig } from '../train/config';
import { RunResult, trainRun } from '../train/run';
import type { TrainConfig } from '../train/types';
import { runSweep, SweepOptions, SweepResult } from '../tune/sweep';
import { RESULTS_DIR } from '../util/paths';

export function seriesDir(profile: string, kind: 'runs' | 'sweeps'): string {
  return join(RESULTS_DIR, kind, `notebooks-${profile}`);
}

/**
 * Trains `overrides.model` (its recipe with these overrides) into the profile's runs folder as `name`,
 * replacing an earlier run of that name: re-executing a notebook always retrains with the code as it is now.
 */
export async function trainSeriesModel(
  profile: string,
  overrides: Partial<TrainConfig> & { model: string },
  data: MnistData,
  name = overrides.model,
): Promise<RunResult> {
  const runDir = join(seriesDir(profile, 'runs'), name);
  rmSync(runDir, { recursive: true, force: true });
  return trainRun(resolveConfig(overrides), { runDir, data, verbose: true });
}

/** Runs a sweep into the profile's sweeps folder as `name`, replacing an earlier sweep of that name. */
export async function runSeriesSweep(profile: string, name: string, options: Omit<SweepOptions, 'sweepDir'>): Promise<SweepResult> {
  const sweepDir = join(seriesDir(profile, 'sweeps'), name);
  rmSync(sweepDir, { recursive: true, force: true });
  return runSweep({ ...options, sweepDir });
}
