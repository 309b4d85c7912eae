/**
 * Knowledge distillation (Hinton et al. 2015; DeiT, Touvron et al. 2021, for a convnet teaching a ViT): the
 * student also fits a finished run's softened predictions of the same augmented batch. A teacher's
 * probabilities say which wrong classes a digit resembles, and a convnet's say it with the locality a ViT has
 * to learn from data. Whether that pays is a measurement (docs/accuracy.md: not for this project's ViTs).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import type { DataSource } from '../data/mnist';
import { loadModel } from '../models/io';
import { checkImageSize, ImageSize } from '../models/spec';
import { canonicalJson } from '../util/files';
import { ConfigError, runSplit } from './config';
import { DISTILL_DEFAULTS } from './options';
import { hasModel, isFinishedRun, modelDir, readRunConfigFile, readSummary } from './run-dir';
import type { TrainConfig } from './types';

/** What config.json records of the teacher: enough to tell a retrained teacher from the one a run learnt from. */
export interface TeacherRecord {
  run: string;
  model: string;
  valAccuracy?: number;
  weightsSha256: string;
}

export interface Teacher {
  model: tf.LayersModel;
  record: TeacherRecord;
  weight: number;
  temperature: number;
}

/** A run's distillation weight and temperature: its own settings, or the defaults. */
export function distillSettings(config: TrainConfig): { weight: number; temperature: number } {
  return { weight: config.distillWeight ?? DISTILL_DEFAULTS.weight, temperature: config.distillTemperature ?? DISTILL_DEFAULTS.temperature };
}

/** The teacher run's identity as config.json records it (its weights' checksum: a retrained teacher differs). */
export function teacherRecord(runDir: string): TeacherRecord {
  if (!isFinishedRun(runDir) || !hasModel(runDir)) throw new ConfigError(`teacher ${runDir}: not a finished run with a saved model`);
  const summary = readSummary(runDir);
  const weightsSha256 = createHash('sha256').update(readFileSync(join(modelDir(runDir), 'weights.bin'))).digest('hex');
  return { run: runDir, model: summary.model, ...(summary.valAccuracy !== undefined ? { valAccuracy: summary.valAccuracy } : {}), weightsSha256 };
}

/**
 * The teacher of a run, checked against the student's data: the same images (checksums), and none of the
 * student's validation images among those it trained on, or its predictions would leak them into the
 * student's model selection.
 */
export async function loadTeacher(config: TrainConfig, source: DataSource, trainCount: number, image: ImageSize): Promise<Teacher | undefined> {
  if (!config.teacher) return undefined;
  const dir = config.teacher;
  const record = teacherRecord(dir);
  const recorded = readRunConfigFile(dir) as { config: TrainConfig; data?: { sha256?: DataSource['sha256'] } };
  if (canonicalJson(recorded.data?.sha256) !== canonicalJson(source.sha256)) {
    throw new ConfigError(`teacher ${dir}: trained on other data than ${source.dir}`);
  }
  const taught = new Set(runSplit(recorded.config, trainCount).train);
  const leaked = Array.from(runSplit(config, trainCount).val).filter((i) => taught.has(i)).length;
  if (leaked > 0) {
    throw new ConfigError(
      `teacher ${dir}: trained on ${leaked} of this run's validation images (give the run its split: --split-seed ${recorded.config.splitSeed ?? recorded.config.seed} --val-fraction ${recorded.config.valFraction})`,
    );
  }
  const model = await loadModel(modelDir(dir));
  try {
    checkImageSize(model, image, dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, record, ...distillSettings(config) };
}

/**
 * Cross-entropy of the student's tempered softmax against the teacher's, times T² so the term's gradients keep
 * their size as the temperature changes (Hinton et al.). It differs from the KL divergence by the teacher's
 * entropy, a constant.
 */
export function distillationLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.softmax(tf.div(teacherLogits, temperature));
    const loss = tf.losses.softmaxCrossEntropy(target, tf.div(studentLogits, temperature));
    return tf.mul(loss, temperature * temperature) as tf.Scalar;
  });
}
