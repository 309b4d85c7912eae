/**
 * A complete training run: backend, data, model, the epoch loop with per-epoch checkpoints, final test
 * evaluation, and the run directory written through run-dir.ts. The CLI, the
 * notebooks and the tuner all train through trainRun.
 */
import * as tf from '@tensorflow/tfjs';
import { execSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'fs';
import { join } from 'path';
import { initBackend } from '../backend/select';
import { batchesOf, epochOrder, firstIndices, makeBatch } from '../data/dataset';
import { loadMnist, MnistData } from '../data/mnist';
import { createRng, deriveSeed, seedMathRandom } from '../data/random';
import { calibrateThreshold, writeCalibration } from '../eval/calibrate';
import { evaluateModel, Evaluation } from '../eval/evaluate';
import { buildModel, countParams, modelFamily } from '../models/registry';
import { checkImageSize, ImageSize } from '../models/spec';
import { saveModel } from '../models/io';
import { removeTemporaries } from '../util/atomic';
import { PixelwiseError } from '../util/errors';
import { lockDirectory } from '../util/lock';
import { codeVersion } from '../util/code-version';
import { PROJECT_ROOT } from '../util/paths';
import { progressBar } from '../util/progress';
import { CHECKPOINT_DIR, findCheckpoint, loadAverage, loadCheckpoint, saveCheckpoint, CheckpointState } from './checkpoint';
import { runSplit, validateConfig } from './config';
import { clearMetrics, defaultRunDir, evaluationSummary, isRunDir, modelDir, RUN_LOCK_FILE, writeMetrics, writeRunConfig, writeSummary } from './run-dir';
import { loadTeacher } from './distill';
import { WeightAverage } from './ema';
import { createOptimizer, setLearningRate } from './optimizer';
import { learningRateAt } from './schedule';
import { trainStep } from './step';
import type { EpochMetrics, RunSummary, TrainConfig } from './types';

export interface RunOptions {
  /** Exactly this directory; default results/runs/<timestamp>-<model>. */
  runDir?: string;
  /** Continue from the run directory's last complete epoch. */
  resume?: boolean;
  /** Preloaded data (tests, sweeps); default loads config.dataDir or MNIST. */
  data?: MnistData;
  /** Progress bar and log lines on stderr; off for tests and workers. */
  verbose?: boolean;
  /**
   * Called after each epoch's checkpoint with the live model (not to be disposed). Returning 'stop' ends
   * the training there, as an aborted `signal` does: the run then finishes with the epochs it trained
   * (tested, saved, summary.json's epochs below the config's). Throwing leaves the run unfinished.
   */
  onEpoch?: (metrics: EpochMetrics, model: tf.LayersModel) => void | 'stop';
  /** Checked after each epoch, like onEpoch's 'stop' (an AbortSignal will do). */
  signal?: { readonly aborted: boolean };
}

export interface RunResult {
  runDir: string;
  config: TrainConfig;
  metrics: EpochMetrics[];
  summary: RunSummary;
  model: tf.LayersModel;
  test: Evaluation;
}

function projectVersions() {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // Not a git checkout (an installed copy): the version field still identifies the code.
  }
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
  return { node: process.version, tfjs: tf.version.tfjs, pixelwise: pkg.version as string, commit, code: codeVersion() };
}

/** The loss became NaN or infinite: the run stops at that step, unfinished. */
export class DivergedError extends PixelwiseError {}

export async function trainRun(config: TrainConfig, options: RunOptions = {}): Promise<RunResult> {
  validateConfig(config);
  const runDir = options.runDir ?? defaultRunDir(config.model);
  if (options.resume && !isRunDir(runDir)) throw new Error(`${runDir}: nothing to resume (no config.json)`);
  const created = !existsSync(runDir);
  mkdirSync(runDir, { recursive: true });
  const release = lockDirectory(runDir, RUN_LOCK_FILE, 'a training');
  try {
    return await trainLocked(config, runDir, options);
  } finally {
    release();
    // A run that failed before writing anything (bad data, say) leaves no empty directory behind.
    if (created && readdirSync(runDir).length === 0) rmdirSync(runDir);
  }
}

async function trainLocked(config: TrainConfig, runDir: string, options: RunOptions): Promise<RunResult> {
  const log = (line: string) => options.verbose && process.stderr.write(line + '\n');
  const checkpointDir = options.resume ? findCheckpoint(runDir) : undefined;
  if (!options.resume && isRunDir(runDir)) {
    throw new Error(`${runDir}: already holds a run; use --resume to continue it or choose another --run-dir`);
  }
  if (options.resume) {
    // We hold the lock, so every temporary here was left by a killed process.
    removeTemporaries(runDir);
    rmSync(join(runDir, `${CHECKPOINT_DIR}.new`), { recursive: true, force: true });
  }

  // Data first: a bad dataset should fail before any backend work.
  const data = options.data ?? (await loadMnist(config.dataDir));
  const backend = await initBackend(config.backend, { threads: config.threads });
  log(`backend: ${backend.name} (${backend.detail})`);
  const image: ImageSize = { height: data.train.height, width: data.train.width };
  const split = runSplit(config, data.train.count);
  const testIndices = firstIndices(data.test.count, config.testLimit);
  log(`data: ${data.source.kind} ${data.source.dir} — train ${split.train.length}, validation ${split.val.length}, test ${testIndices.length}`);

  const teacher = await loadTeacher(config, data.source, data.train.count, image);
  if (teacher) log(`teacher: ${teacher.record.model} (${teacher.record.run}), weight ${teacher.weight}, temperature ${teacher.temperature}`);

  if (!checkpointDir) {
    clearMetrics(runDir);
    writeRunConfig(runDir, {
      config,
      data: { ...data.source, image, trainSamples: split.train.length, valSamples: split.val.length, testSamples: testIndices.length },
      backend,
      ...(teacher ? { teacher: teacher.record } : {}),
      versions: projectVersions(),
      createdAt: new Date().toISOString(),
    });
  }

  const optimizer = createOptimizer(config.optimizer, config.lr);
  let model: tf.LayersModel;
  let state: CheckpointState = { epochsDone: 0, metrics: [], trainSeconds: 0, trainedSamples: 0 };
  if (checkpointDir) {
    ({ model, state } = await loadCheckpoint(checkpointDir, optimizer));
    checkImageSize(model, image, data.source.dir);
    log(`resuming ${runDir} after epoch ${state.epochsDone}`);
  } else {
    seedMathRandom(deriveSeed(config.seed, 'init'));
    model = buildModel(config.model, config.modelOptions, image);
  }
  const average = config.ema > 0 ? new WeightAverage(model, config.ema, checkpointDir ? loadAverage(checkpointDir) : undefined) : undefined;
  const params = countParams(model);
  log(`model: ${config.model}, ${params.toLocaleString('en-US')} parameters`);

  const stepsPerEpoch = Math.ceil(split.train.length / config.batchSize);
  const schedule = {
    schedule: config.schedule,
    lr: config.lr,
    totalSteps: stepsPerEpoch * config.epochs,
    warmupSteps: Math.round(config.warmupEpochs * stepsPerEpoch),
    stepsPerEpoch,
  };

  // The teacher is freed however the loop ends (finished, stopped, diverged or failed).
  try {
    for (let epoch = state.epochsDone; epoch < config.epochs; epoch++) {
      // Every random stream of an epoch is derived from (seed, epoch): a resumed run continues identically.
      seedMathRandom(deriveSeed(config.seed, 'dropout', epoch));
      const augmentRng = createRng(deriveSeed(config.seed, 'augment', epoch));
      const augment = config.augment ? { rng: augmentRng, options: { shift: config.augmentShift, rotate: config.augmentRotate, scale: config.augmentScale } } : undefined;
      const bar = options.verbose ? progressBar(`epoch ${epoch + 1}/${config.epochs}`, split.train.length) : undefined;
      const started = Date.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = config.lr;
      let step = epoch * stepsPerEpoch;
      for (const indices of batchesOf(epochOrder(split.train, config.seed, epoch), config.batchSize)) {
        lr = learningRateAt(step++, schedule);
        setLearningRate(optimizer, lr);
        const batch = makeBatch(data.train, indices, augment);
        const images = tf.tensor4d(batch.images, [batch.size, data.train.height, data.train.width, 1]);
        const labels = tf.tensor1d(batch.labels, 'int32');
        // Inference mode: the teacher's dropout off, its batch norm on its moving statistics.
        const teacherLogits = teacher && (teacher.model.apply(images, { training: false }) as tf.Tensor2D);
        const result = trainStep(model, optimizer, images, labels, { ...config, lr }, teacherLogits && { ...teacher, logits: teacherLogits });
        images.dispose();
        labels.dispose();
        teacherLogits?.dispose();
        if (!isFinite(result.loss)) {
          bar?.finish({});
          // Sweeps record a diverged trial and go on: free what this run holds.
          model.dispose();
          optimizer.dispose();
          average?.dispose();
          throw new DivergedError(
            `training diverged: the loss became ${result.loss} in epoch ${epoch + 1} (lr ${lr.toPrecision(3)}); ` +
              `try a lower --lr or a --clip-norm (the run in ${runDir} is not marked finished)`,
          );
        }
        average?.update(step - 1);
        lossSum += result.loss * batch.size;
        correct += result.correct;
        seen += batch.size;
        const elapsed = (Date.now() - started) / 1000;
        bar?.update(seen, { loss: (lossSum / seen).toFixed(4), acc: (correct / seen).toFixed(4), 'samples/s': (seen / elapsed).toFixed(0) });
      }
      const seconds = (Date.now() - started) / 1000;
      const live = average && split.val.length ? evaluateModel(model, data.train, split.val) : undefined;
      const val = average ? await average.withAverage(() => evaluateModel(model, data.train, split.val)) : evaluateModel(model, data.train, split.val);
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        loss: lossSum / seen,
        acc: correct / seen,
        valLoss: split.val.length ? val.loss : NaN,
        valAcc: split.val.length ? val.accuracy : NaN,
        ...(live ? { liveValAcc: live.accuracy } : {}),
        lr,
        seconds,
        ...(split.val.length ? { valConfusion: val.confusionMatrix } : {}),
      };
      bar?.finish({ loss: metrics.loss.toFixed(4), acc: metrics.acc.toFixed(4), valAcc: metrics.valAcc.toFixed(4), 'samples/s': (seen / seconds).toFixed(0) });
      state = {
        epochsDone: epoch + 1,
        metrics: [...state.metrics, metrics],
        trainSeconds: state.trainSeconds + seconds,
        trainedSamples: state.trainedSamples + seen,
      };
      await saveCheckpoint(runDir, model, optimizer, state, average);
      writeMetrics(runDir, state.metrics);
      if (options.onEpoch?.(metrics, model) === 'stop' || options.signal?.aborted) break;
    }
  } finally {
    teacher?.model.dispose();
  }

  // From here on the model is what the run delivers: the weight average when there is one.
  average?.load();
  average?.dispose();
  // The uncertainty threshold of predict and the demo comes from the last epoch's validation predictions.
  const val = split.val.length ? evaluateModel(model, data.train, split.val) : undefined;
  if (val) writeCalibration(runDir, calibrateThreshold(val.probabilities, val.labels));
  const test = evaluateModel(model, data.test, testIndices);
  const summary: RunSummary = {
    model: config.model,
    family: modelFamily(config.model, config.modelOptions),
    params,
    backend: backend.name,
    epochs: state.epochsDone,
    ...evaluationSummary(test, val),
    trainSeconds: state.trainSeconds,
    samplesPerSecond: state.trainSeconds > 0 ? state.trainedSamples / state.trainSeconds : 0,
  };
  await saveModel(model, modelDir(runDir));
  writeSummary(runDir, summary);
  optimizer.dispose();
  log(`test accuracy ${(test.accuracy * 100).toFixed(2)}% (loss ${test.loss.toFixed(4)}) — run saved in ${runDir}`);
  return { runDir, config, metrics: state.metrics, summary, model, test };
}
