/**
 * The sweep plan and its progress as pure functions: which trials exist (sampled up front from the seed), and
 * which jobs are due given the results so far. Jobs due depend only on the set of results, never on the order
 * they arrived in, so any number of workers — or an interrupted and resumed sweep — reaches the same trials.
 */
import { halvingRungs, hyperbandBrackets, promote, rungEpochs } from './halving';
import { gridSize, gridTrials, randomTrials } from './samplers';
import type { TrainConfig } from '../train/types';
import type { Bracket, JobStart, ParamValues, SamplerName, SearchSpace, SweepPlan, TrialRecord } from './types';

export interface PlanOptions {
  sampler: SamplerName;
  /** Trials to sample (grid: the first ones, default all). */
  trials?: number;
  seed: number;
  maxEpochs: number;
  minEpochs?: number;
  eta?: number;
}

export function makePlan(space: SearchSpace, options: PlanOptions): SweepPlan {
  const { sampler, seed, maxEpochs, minEpochs = 1, eta = 3 } = options;
  const n = options.trials;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new Error(`trials must be a positive integer, got ${n}`);
  if (sampler !== 'grid' && n === undefined) throw new Error(`the ${sampler} sampler needs a number of trials`);
  if (sampler === 'grid' && n !== undefined && n > gridSize(space)) throw new Error(`${n} trials asked of a grid of ${gridSize(space)} combinations`);

  let values: ParamValues[];
  let brackets: Bracket['rungs'][];
  if (sampler === 'grid' || sampler === 'random') {
    values = sampler === 'grid' ? gridTrials(space, n) : randomTrials(space, n!, seed);
    brackets = [[{ epochs: maxEpochs, size: values.length }]];
  } else {
    values = randomTrials(space, n!, seed);
    const budgets = rungEpochs(maxEpochs, eta, minEpochs);
    brackets = sampler === 'halving' ? [halvingRungs(n!, budgets, eta)] : hyperbandBrackets(n!, budgets, eta);
  }

  const plan: SweepPlan = { trials: [], brackets: [] };
  let next = 0;
  brackets.forEach((rungs, bracket) => {
    const ids = Array.from({ length: rungs[0].size }, () => next++);
    plan.brackets.push({ trials: ids, rungs });
    for (const id of ids) plan.trials.push({ id, bracket, params: values[id] });
  });
  return plan;
}

/** A rung's jobs are identified by trial and rung. */
export const jobKey = (trial: number, rung: number) => `${trial}/${rung}`;

export interface JobRef {
  trial: number;
  bracket: number;
  rung: number;
  epochs: number;
}

/**
 * Every job known given the finished ones: rung 0 of every bracket, plus each later rung whose previous rung
 * has finished entirely (its trials are then that rung's promotions). Jobs already finished are included, so
 * `dueJobs(...).filter(unfinished)` is what remains to run; an empty remainder means the sweep is complete.
 */
export function dueJobs(plan: SweepPlan, finished: Map<string, Pick<TrialRecord, 'score'>>): JobRef[] {
  const jobs: JobRef[] = [];
  plan.brackets.forEach((b, bracket) => {
    let trials = b.trials;
    for (let rung = 0; rung < b.rungs.length; rung++) {
      jobs.push(...trials.map((trial) => ({ trial, bracket, rung, epochs: b.rungs[rung].epochs })));
      const results = trials.map((trial) => ({ trial, score: finished.get(jobKey(trial, rung))?.score }));
      if (rung + 1 === b.rungs.length || results.some((r) => r.score === undefined)) break;
      trials = promote(results as { trial: number; score: number | null }[], b.rungs[rung + 1].size);
    }
  });
  return jobs;
}

export function totalJobs(plan: SweepPlan): number {
  return plan.brackets.reduce((n, b) => n + b.rungs.reduce((m, r) => m + r.size, 0), 0);
}

/**
 * Continuing a run from its checkpoint gives exactly the longer run only when the learning rate does not depend
 * on the total number of epochs: true for 'constant' (warm-up included); cosine, step and one-cycle would jump
 * from their annealed end back to mid-schedule, so those trials retrain from scratch at each rung.
 */
export function jobStart(rung: number, config: TrainConfig): JobStart {
  if (rung === 0) return 'new';
  return config.schedule === 'constant' ? 'continue' : 'restart';
}
