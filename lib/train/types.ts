/** The plain-data shapes a training run reads and writes (config.json, metrics.jsonl, summary.json). */
import type { CalibrationSummary } from '../eval/calibration';
import type { ClassMetrics } from '../eval/metrics';
import type { ModelFamily } from '../models/spec';

export type { BackendName } from '../backend/select';
export type { OptimizerName } from './optimizer';
export type { TrainConfig } from './options';
export type { ScheduleName } from './schedule';

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
  /** With ema on: the validation accuracy of the live weights, beside valAcc of the average. */
  liveValAcc?: number;
  lr: number;
  seconds: number;
  /** The validation split's confusion matrix after this epoch (rows = true label); absent without a validation split. */
  valConfusion?: number[][];
}

/** summary.json */
export interface RunSummary {
  model: string;
  /** The kind of network (absent in runs made before it was recorded); an ensemble of runs says 'ensemble'. */
  family?: ModelFamily | 'ensemble';
  params: number;
  backend: string;
  epochs: number;
  /** Accuracy on the validation split of the model delivered (absent in older runs and without a split). */
  valAccuracy?: number;
  testAccuracy: number;
  testLoss: number;
  /** confusionMatrix[trueLabel][predictedLabel] = count */
  confusionMatrix: number[][];
  perClass: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
  /** Expected calibration error of the test predictions, 15 bins (absent in runs made before it was recorded). */
  ece?: number;
  /** Reliability bins, and the temperature fitted on the validation split with the test set's reliability after it. */
  calibration?: CalibrationSummary;
  trainSeconds: number;
  samplesPerSecond: number;
}
