/** Re-evaluates a finished run's saved model on the test set it was trained against (or another dataset). */
import { existsSync } from 'fs';
import { join } from 'path';
import { firstIndices } from '../data/dataset';
import { loadMnist, MnistData } from '../data/mnist';
import { Calibration, CALIBRATION_FILE, calibrateThreshold, writeCalibration } from '../eval/calibrate';
import { evaluateModel, Evaluation } from '../eval/evaluate';
import { loadModel } from '../models/io';
import { checkImageSize } from '../models/spec';
import { readJsonFile } from '../util/files';
import { runSplit } from './config';
import { modelDir, readRunConfig } from './run-dir';

export interface RunEvaluation {
  runDir: string;
  evaluation: Evaluation;
  /** The test set, or the run's own validation split (recomputed as training made it). */
  split: EvaluationSplit;
  samples: number;
}

export const EVALUATION_SPLITS = ['test', 'validation'] as const;
export type EvaluationSplit = (typeof EVALUATION_SPLITS)[number];

export interface RunEvaluationOptions {
  dataDir?: string;
  testLimit?: number;
  data?: MnistData;
  split?: EvaluationSplit;
  tta?: boolean;
}

export async function evaluateRun(runDir: string, options: RunEvaluationOptions = {}): Promise<RunEvaluation> {
  const config = readRunConfig(runDir);
  const split = options.split ?? 'test';
  if (split === 'validation' && !(config.valFraction > 0)) throw new Error(`${runDir}: the run has no validation split (it trained with valFraction 0)`);
  const model = await loadModel(modelDir(runDir));
  const data = options.data ?? (await loadMnist(options.dataDir ?? config.dataDir));
  try {
    checkImageSize(model, { height: data.test.height, width: data.test.width }, data.source.dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const [set, indices] =
    split === 'test' ? [data.test, firstIndices(data.test.count, options.testLimit ?? config.testLimit)] : [data.train, runSplit(config, data.train.count).val];
  const evaluation = evaluateModel(model, set, indices, { tta: options.tta });
  model.dispose();
  return { runDir, evaluation, split, samples: indices.length };
}

/** Recomputes a run's uncertainty threshold on its own validation split (same seed, fraction and limit as training). */
export async function calibrateRun(runDir: string, options: { data?: MnistData } = {}): Promise<Calibration> {
  const config = readRunConfig(runDir);
  if (!(config.valFraction > 0)) throw new Error(`${runDir}: the run has no validation split to calibrate its uncertainty threshold on (train with --val-fraction > 0)`);
  const data = options.data ?? (await loadMnist(config.dataDir));
  const model = await loadModel(modelDir(runDir));
  const { val: indices } = runSplit(config, data.train.count);
  const val = evaluateModel(model, data.train, indices);
  model.dispose();
  const calibration = calibrateThreshold(val.probabilities, val.labels);
  writeCalibration(runDir, calibration);
  return calibration;
}

/** The run's calibration.json, computed and saved on first use (runs trained before calibration existed). */
export async function loadCalibration(runDir: string): Promise<Calibration> {
  const file = join(runDir, CALIBRATION_FILE);
  if (existsSync(file)) return readJsonFile<Calibration>(file);
  return calibrateRun(runDir);
}
