/**
 * PixelWise tuning: search spaces, samplers and resumable, parallel sweeps over trainRun.
 *
 * - A space (spaces/*.json or defineSpace) names the model, fixed options and searched parameters
 *   (choice, int, uniform, loguniform) over training options and model options (model.width, ...).
 * - Samplers: grid, random, halving (successive halving, synchronous rungs), hyperband (brackets of it).
 *   Trials are sampled up front from --seed; every trial trains with that seed, so all share one
 *   validation split. Score = validation accuracy after the trial's last epoch; test accuracy is reported.
 * - Halving continues a promoted trial's run from its checkpoint when its schedule is 'constant' (the
 *   longer run is then exactly what continuing gives); other schedules depend on the total epochs, so those
 *   trials retrain from scratch at each rung. Either way a result at budget b equals a b-epoch run.
 * - Which jobs run depends only on the set of finished results, never on their order: any number of
 *   workers, and any interruption followed by resumeSweep, produce the same trials.jsonl (timings aside).
 *   Synchronous rungs rather than ASHA for that reason: ASHA's promotions depend on completion order.
 * - Sweep directory: sweep.json (definition, plan, trial configs), trials.jsonl (one line per finished
 *   job), trials.csv, best.json (best at the full budget), runs/trial-NNNN/ (normal run directories).
 */
export type { Bracket, Job, JobStart, ParamSpec, ParamValue, ParamValues, Rung, SamplerName, SearchSpace, SweepDefinition, SweepPlan, TrialRecord } from './types';

export { choice, defineSpace, int, loadSpace, loguniform, parseSpace, SpaceError, trialConfig, uniform } from './space';
export { gridSize, gridTrials, gridValues, randomTrials } from './samplers';
export { halvingRungs, hyperbandBrackets, promote, rungEpochs } from './halving';
export { dueJobs, jobStart, makePlan, totalJobs } from './plan';
export type { PlanOptions } from './plan';
export { defaultSweepDir, resumeSweep, runSweep } from './sweep';
export type { ExecuteOptions, SweepOptions, SweepResult } from './sweep';
export { bestRecord } from './store';
export { finalRecords, loadSweep, trialsFrame } from './results';
