/** The plain-data shapes a training run reads and writes (config.json, metrics.jsonl, summary.json). */
import type { BackendName } from '../backend/select';
import type { CalibrationSummary } from '../eval/calibration';
import type { ClassMetrics } from '../eval/metrics';

export type { BackendName };

export type ScheduleName = 'constant' | 'step' | 'cosine' | 'onecycle';
export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export interface TrainConfig {
  model: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  optimizer: OptimizerName;
  /** Decoupled weight decay (AdamW) or L2-free SGD decay; 0 disables it. */
  weightDecay: number;
  schedule: ScheduleName;
  /** Epochs of linear warm-up before the schedule starts (fractions allowed). */
  warmupEpochs: number;
  labelSmoothing: number;
  /** Clip the global gradient norm to this value; 0 disables clipping. */
  clipNorm: number;
  augment: boolean;
  /** Max shift in pixels and rotation in degrees used when augment is on. */
  augmentShift: number;
  augmentRotate: number;
  /** Fraction of the training set held out for validation. */
  valFraction: number;
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
  backend?: BackendName;
  /** Threads of the multi-threaded engines (default: every core; a sweep divides them among its workers). */
  threads?: number;
  /** Model-specific options (widths, dropout, patch size, ...), passed to the model builder. */
  modelOptions?: Record<string, number | string | boolean>;
}

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
  lr: number;
  seconds: number;
  /** The validation split's confusion matrix after this epoch (rows = true label); absent without a validation split. */
  valConfusion?: number[][];
}

/** summary.json */
export interface RunSummary {
  model: string;
  params: number;
  backend: string;
  epochs: number;
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
