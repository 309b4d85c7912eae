/**
 * Runs a sweep: plans the trials, writes sweep.json, then keeps the workers busy with the jobs that are due,
 * recording each finished job in trials.jsonl. resumeSweep continues from the directory alone: finished jobs
 * are skipped, unfinished ones resume from their run directory's last complete epoch.
 */
import { existsSync, mkdirSync } from 'fs';
import { join, relative, resolve } from 'path';
import { loadMnist, MnistData } from '../data/mnist';
import { validateConfig } from '../train/config';
import { defaultThreads, type BackendName } from '../backend/select';
import { RESULTS_DIR, timestampName } from '../util/paths';
import type { JobOutcome } from './job';
import { dueJobs, jobKey, JobRef, jobStart, makePlan, PlanOptions, totalJobs } from './plan';
import { defaultWorkers, WorkerPool } from './pool';
import { trialConfig } from './space';
import { canonicalJson } from '../util/files';
import { codeVersion } from '../util/code-version';
import { acquireLock, bestRecord, readDefinition, readRecords, sortRecords, SWEEP_FILE, trialRunDir, writeDefinition, writeResults } from './store';
import type { Job, SearchSpace, SweepDefinition, TrialRecord } from './types';

export interface ExecuteOptions {
  /** Parallel trials, each in its own worker thread (default: the number of cores). */
  workers?: number;
  /** Preloaded data (tests, notebooks); default loads the sweep's data directory or MNIST. */
  data?: MnistData;
  /** Called once the sweep directory is ready, before any training. */
  onStart?: (definition: SweepDefinition, dir: string) => void;
  /** Called after each finished job, in completion order. */
  onResult?: (record: TrialRecord, progress: { finished: number; total: number }) => void;
}

export interface SweepOptions extends PlanOptions, ExecuteOptions {
  space: SearchSpace;
  /** Default results/sweeps/<timestamp>-<model>-<sampler>. */
  sweepDir?: string;
  trainLimit?: number;
  dataDir?: string;
  backend?: BackendName;
  /** Threads of each trial's engine (default: the cores divided among the workers). */
  threads?: number;
}

export interface SweepResult {
  dir: string;
  definition: SweepDefinition;
  /** Every finished job, sorted by trial and rung. */
  records: TrialRecord[];
  /** The best trial at the full budget, if any finished. */
  best: TrialRecord | undefined;
}

export function defaultSweepDir(model: string, sampler: string, now = new Date()): string {
  return join(RESULTS_DIR, 'sweeps', `${timestampName(now)}-${model}-${sampler}`);
}

function makeJob(definition: SweepDefinition, dir: string, ref: JobRef): Job {
  const config = { ...definition.configs[ref.trial], epochs: ref.epochs };
  validateConfig(config);
  const params = definition.plan.trials[ref.trial].params;
  return { ...ref, start: jobStart(ref.rung, config), params, config, runDir: join(dir, trialRunDir(ref.trial)) };
}

function toRecord(job: Job, outcome: JobOutcome, dir: string): TrialRecord {
  const { seconds, trainSeconds, error, ...results } = outcome;
  return {
    trial: job.trial,
    bracket: job.bracket,
    rung: job.rung,
    epochs: job.epochs,
    status: results.status,
    start: job.start,
    params: job.params,
    score: results.score,
    valAcc: results.valAcc,
    valLoss: results.valLoss,
    trainAcc: results.trainAcc,
    trainLoss: results.trainLoss,
    testAccuracy: results.testAccuracy,
    testLoss: results.testLoss,
    modelParams: results.modelParams,
    runDir: relative(dir, job.runDir),
    config: job.config,
    ...(error !== undefined && { error }),
    timing: { seconds, trainSeconds, finishedAt: new Date().toISOString() },
  };
}

/** The sweep.json a sweep with these options writes, and the directory it goes to. */
function defineSweep(options: SweepOptions): { dir: string; definition: SweepDefinition } {
  const { space, sampler, seed, maxEpochs, minEpochs = 1, eta = 3 } = options;
  const dir = resolve(options.sweepDir ?? defaultSweepDir(space.model, sampler));
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) throw new Error(`maxEpochs must be a positive integer, got ${maxEpochs}`);
  const plan = makePlan(space, { ...options, minEpochs, eta });
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  // Workers train side by side: each gets its share of the cores, so their engines do not oversubscribe them.
  const threads = options.threads ?? Math.max(1, Math.floor(defaultThreads() / (options.workers ?? defaultWorkers())));
  const settings = { epochs: maxEpochs, seed, trainLimit: options.trainLimit, dataDir, backend: options.backend, threads };
  const definition: SweepDefinition = {
    version: 1,
    sampler,
    seed,
    maxEpochs,
    minEpochs,
    eta,
    ...(options.trainLimit !== undefined && { trainLimit: options.trainLimit }),
    ...(dataDir !== undefined && { dataDir }),
    ...(options.backend !== undefined && { backend: options.backend }),
    space,
    plan,
    configs: plan.trials.map((t) => trialConfig(space, t.params, settings)),
    code: codeVersion(),
    createdAt: new Date().toISOString(),
  };
  return { dir, definition };
}

/** Whether `dir` holds a sweep of exactly these options and this training code (so continuing it reproduces them). */
export function sameSweep(dir: string, options: SweepOptions): boolean {
  if (!existsSync(join(dir, SWEEP_FILE))) return false;
  const { createdAt: _new, ...wanted } = defineSweep({ ...options, sweepDir: dir }).definition;
  const { createdAt: _old, ...stored } = readDefinition(dir);
  return canonicalJson(stored) === canonicalJson(wanted);
}

/** Starts a new sweep in an empty (or new) directory. */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const { dir, definition } = defineSweep(options);
  if (existsSync(join(dir, SWEEP_FILE))) throw new Error(`${dir} already holds a sweep; resume it (--resume) or choose another --sweep-dir`);
  // Every trial's configuration at every budget it may get must be valid before anything trains.
  definition.plan.brackets.forEach(({ trials, rungs }, bracket) => {
    for (const trial of trials) {
      rungs.forEach(({ epochs }, rung) => {
        try {
          makeJob(definition, dir, { trial, bracket, rung, epochs });
        } catch (err) {
          throw new Error(`trial ${trial} ${JSON.stringify(definition.plan.trials[trial].params)} at ${epochs} epochs: ${(err as Error).message}`);
        }
      });
    }
  });
  mkdirSync(dir, { recursive: true });
  writeDefinition(dir, definition);
  return execute(dir, definition, options);
}

/** Continues the sweep in `dir` with the settings it was started with. */
export async function resumeSweep(dir: string, options: ExecuteOptions = {}): Promise<SweepResult> {
  const absolute = resolve(dir);
  return execute(absolute, readDefinition(absolute), options);
}

async function execute(dir: string, definition: SweepDefinition, options: ExecuteOptions): Promise<SweepResult> {
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  const release = acquireLock(dir);
  let pool: WorkerPool | undefined;
  try {
    const finished = new Map(readRecords(dir).map((r) => [jobKey(r.trial, r.rung), r]));
    const known = new Set(dueJobs(definition.plan, finished).map((j) => jobKey(j.trial, j.rung)));
    const stray = [...finished.keys()].find((key) => !known.has(key));
    if (stray) {
      throw new Error(`${dir}: trials.jsonl records trial/rung ${stray}, which this sweep would not have run given the other records (lines lost, or another sweep's file?)`);
    }

    options.onStart?.(definition, dir);
    const total = totalJobs(definition.plan);
    const running = new Map<string, Promise<{ job: Job; outcome: JobOutcome }>>();
    for (;;) {
      const due = dueJobs(definition.plan, finished).filter((j) => !finished.has(jobKey(j.trial, j.rung)) && !running.has(jobKey(j.trial, j.rung)));
      if (due.length > 0 && !pool) {
        const size = Math.min(workers, definition.plan.trials.length);
        pool = new WorkerPool(size, options.data ?? (await loadMnist(definition.dataDir)));
      }
      for (const ref of due) {
        const job = makeJob(definition, dir, ref);
        const promise = pool!.run(job).then((outcome) => ({ job, outcome }));
        // A failure surfaces through Promise.race below; this keeps the others from being reported as unhandled.
        promise.catch(() => undefined);
        running.set(jobKey(ref.trial, ref.rung), promise);
      }
      if (running.size === 0) break;
      const { job, outcome } = await Promise.race(running.values());
      const key = jobKey(job.trial, job.rung);
      running.delete(key);
      const record = toRecord(job, outcome, dir);
      finished.set(key, record);
      writeResults(dir, [...finished.values()], definition.maxEpochs);
      options.onResult?.(record, { finished: finished.size, total });
    }
    // Also for a sweep that was already complete: the summary files are rebuilt from trials.jsonl.
    const records = sortRecords([...finished.values()]);
    writeResults(dir, records, definition.maxEpochs);
    return { dir, definition, records, best: bestRecord(records, definition.maxEpochs) };
  } finally {
    await pool?.close();
    release();
  }
}
