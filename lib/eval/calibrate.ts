/**
 * The confidence below which a prediction is flagged `uncertain`, chosen on the validation split (never on
 * the test set). Selective classification: sort the validation predictions by confidence, keep the largest
 * most-confident share whose accuracy is still at least TARGET_ACCURACY; the threshold is the lowest
 * confidence in that share. A prediction at or above it is as trustworthy as the model's best
 * TARGET_ACCURACY-accurate share of MNIST; one below it is not, and says so.
 */
import { join } from 'path';
import { writeJsonAtomic } from '../util/atomic';
import { argmaxRows } from './evaluate';
import { NUM_CLASSES } from '../data/mnist';

export const TARGET_ACCURACY = 0.995;
export const CALIBRATION_FILE = 'calibration.json';

/** calibration.json in a run directory. */
export interface Calibration {
  threshold: number;
  targetAccuracy: number;
  valSamples: number;
  valAccuracy: number;
  /** Share of the validation predictions at or above the threshold, and their accuracy. */
  coverage: number;
  confidentAccuracy: number;
}

/** Calibration from validation softmax outputs (count × 10, row-major) and their labels. */
export function calibrateThreshold(probabilities: Float32Array, labels: ArrayLike<number>, targetAccuracy = TARGET_ACCURACY): Calibration {
  const count = labels.length;
  if (count === 0) throw new Error('no validation samples to calibrate on');
  const predicted = argmaxRows(probabilities);
  const confidence = Array.from(predicted, (digit, i) => probabilities[i * NUM_CLASSES + digit]);
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => confidence[b] - confidence[a]);
  let correct = 0;
  let kept = 0;
  let keptCorrect = 0;
  order.forEach((i, rank) => {
    if (predicted[i] === labels[i]) correct++;
    // Ties are kept or dropped together: a threshold cannot separate equal confidences.
    const lastOfTie = rank === count - 1 || confidence[order[rank + 1]] < confidence[i];
    if (lastOfTie && correct / (rank + 1) >= targetAccuracy) {
      kept = rank + 1;
      keptCorrect = correct;
    }
  });
  return {
    // Nothing reaches the target: every prediction is uncertain.
    threshold: kept ? confidence[order[kept - 1]] : 1,
    targetAccuracy,
    valSamples: count,
    valAccuracy: correct / count,
    coverage: kept / count,
    confidentAccuracy: kept ? keptCorrect / kept : 0,
  };
}

export function writeCalibration(runDir: string, calibration: Calibration): void {
  writeJsonAtomic(join(runDir, CALIBRATION_FILE), calibration);
}
