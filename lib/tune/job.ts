/**
 * Runs one job (a trial trained to a rung's budget) through trainRun, in whichever worker it was sent to.
 * The run directory decides how: an interrupted job resumes from its last complete epoch, a promoted trial
 * continues its previous rung's run or restarts (see jobStart), anything else starts afresh.
 */
import { rmSync } from 'fs';
import { join } from 'path';
import { initBackend } from '../backend/select';
import type { MnistData } from '../data/mnist';
import { buildModel } from '../models/registry';
import { DivergedError, trainRun } from '../train/run';
import { readRunConfigFile, RUN_LOCK_FILE, writeRunConfig } from '../train/run-dir';
import type { TrainConfig } from '../train/types';
import { canonicalJson } from '../util/files';
import type { Job, TrialRecord } from './types';

export type JobOutcome = Pick<
  TrialRecord,
  'status' | 'score' | 'valAcc' | 'valLoss' | 'trainAcc' | 'trainLoss' | 'testAccuracy' | 'testLoss' | 'modelParams' | 'error'
> & { seconds: number; trainSeconds: number };

const sameExceptEpochs = (a: TrainConfig, b: TrainConfig) => canonicalJson({ ...a, epochs: 0 }) === canonicalJson({ ...b, epochs: 0 });

/** Whether trainRun should resume the run directory; clears it when its content cannot be reused. */
function prepareRunDir(job: Job): boolean {
  const onDisk = readRunConfigFile(job.runDir);
  const previous = onDisk?.config;
  if (previous && sameExceptEpochs(previous, job.config)) {
    if (previous.epochs === job.epochs) return true;
    if (job.start === 'continue' && previous.epochs < job.epochs) {
      // config.json describes the run to its new end, so `npm run train -- --resume` would continue it the same way.
      writeRunConfig(job.runDir, { ...onDisk, config: job.config });
      return true;
    }
  }
  rmSync(job.runDir, { recursive: true, force: true });
  return false;
}

/** An invalid model configuration (say, a patch size that does not divide the images) fails the trial, not the sweep. */
async function modelError(config: TrainConfig, data: MnistData): Promise<string | undefined> {
  await initBackend(config.backend, { threads: config.threads });
  try {
    buildModel(config.model, config.modelOptions, { height: data.train.height, width: data.train.width }).dispose();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function runJob(job: Job, data: MnistData): Promise<JobOutcome> {
  const started = Date.now();
  const failed = (error: string): JobOutcome => {
    const none = { score: null, valAcc: null, valLoss: null, trainAcc: null, trainLoss: null, testAccuracy: null, testLoss: null, modelParams: null };
    return { status: 'failed', ...none, error, seconds: (Date.now() - started) / 1000, trainSeconds: 0 };
  };
  const error = await modelError(job.config, data);
  if (error !== undefined) return failed(error);
  const resume = prepareRunDir(job);
  // The sweep's lock makes this job the run's only trainer: a run.lock here was left by a worker of an
  // interrupted sweep in this same process, whose pid therefore still looks alive.
  rmSync(join(job.runDir, RUN_LOCK_FILE), { force: true });
  let result;
  try {
    result = await trainRun(job.config, { runDir: job.runDir, resume, data });
  } catch (err) {
    // A learning rate the search tried that makes training diverge is a result for this trial, not the sweep's end.
    if (err instanceof DivergedError) return failed(err.message);
    throw err;
  }
  result.model.dispose();
  const last = result.metrics[result.metrics.length - 1];
  return {
    status: 'done',
    score: last.valAcc,
    valAcc: last.valAcc,
    valLoss: last.valLoss,
    trainAcc: last.acc,
    trainLoss: last.loss,
    testAccuracy: result.summary.testAccuracy,
    testLoss: result.summary.testLoss,
    modelParams: result.summary.params,
    seconds: (Date.now() - started) / 1000,
    trainSeconds: result.summary.trainSeconds,
  };
}
