/** The plain-data shapes a training run reads and writes (config.json, metrics.jsonl, summary.json). */
import type { BackendName } from '../backend/select';
import type { CalibrationSummary } from '../eval/calibration';
import type { ClassMetrics } from '../eval/metrics';
import type { ModelFamily } from '../models/spec';

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
  /** Max relative change of size used when augment is on (0.1: scaled by 0.9–1.1); 0 leaves the size alone. */
  augmentScale: number;
  /** Decay of the moving average of the weights that is validated, tested and saved (0.999: over about a
   *  thousand steps); 0 turns it off and the live weights are used. */
  ema: number;
  /** Fraction of the training set held out for validation. */
  valFraction: number;
  /** Seed of the train/validation split alone (default: seed), so runs of several seeds can share one split. */
  splitSeed?: number;
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
