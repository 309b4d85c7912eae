/**
 * Does a model's confidence mean anything? Reliability bins and the expected calibration error (Guo et al.
 * 2017), and temperature scaling: one scalar T fitted on the validation split, softmax(logits / T).
 * Plain numbers, no tensors. Log-probabilities stand in for the logits: they differ by a per-row constant,
 * which softmax ignores.
 */
import { argmaxRows } from './evaluate';
import { NUM_CLASSES } from '../data/mnist';

/** The binning of every reported ECE. */
export const ECE_BINS = 15;

export interface ReliabilityBin {
  /** Confidences in (lower, upper]; the first bin also takes 0. */
  lower: number;
  upper: number;
  count: number;
  /** Mean top-class probability of the bin's samples (0 when empty). */
  confidence: number;
  /** Share of the bin's samples predicted correctly (0 when empty). */
  accuracy: number;
}

export interface Reliability {
  /** Σ_bins (count / n) · |accuracy − confidence|. */
  ece: number;
  bins: ReliabilityBin[];
}

/** What summary.json records under `calibration`. */
export interface CalibrationSummary extends Reliability {
  /** Fitted on the validation split; null without one. */
  temperature: number | null;
  /** The test set's reliability after dividing the logits by `temperature`. */
  scaled: Reliability | null;
}

/** Labels and row-major count × classes softmax probabilities, as an Evaluation carries them. */
export interface Predictions {
  labels: ArrayLike<number>;
  probabilities: Float32Array;
}

export function reliability({ labels, probabilities }: Predictions, binCount = ECE_BINS, numClasses = NUM_CLASSES): Reliability {
  if (probabilities.length !== labels.length * numClasses) {
    throw new Error(`reliability: ${labels.length} labels need ${labels.length * numClasses} probabilities, got ${probabilities.length}`);
  }
  const counts = new Array<number>(binCount).fill(0);
  const confidence = new Array<number>(binCount).fill(0);
  const correct = new Array<number>(binCount).fill(0);
  const predicted = argmaxRows(probabilities, numClasses);
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i * numClasses + predicted[i]];
    const bin = Math.min(binCount - 1, Math.max(0, Math.ceil(p * binCount) - 1));
    counts[bin]++;
    confidence[bin] += p;
    if (predicted[i] === labels[i]) correct[bin]++;
  }
  let ece = 0;
  const bins = counts.map((count, b) => {
    const meanConfidence = count ? confidence[b] / count : 0;
    const accuracy = count ? correct[b] / count : 0;
    ece += (count / Math.max(1, labels.length)) * Math.abs(accuracy - meanConfidence);
    return { lower: b / binCount, upper: (b + 1) / binCount, count, confidence: meanConfidence, accuracy };
  });
  return { ece, bins };
}

/** softmax(log p / T) row by row. */
export function scaleTemperature(probabilities: Float32Array, temperature: number, numClasses = NUM_CLASSES): Float32Array {
  if (!(temperature > 0)) throw new Error(`scaleTemperature: temperature must be positive, got ${temperature}`);
  const out = new Float32Array(probabilities.length);
  const logits = new Float64Array(numClasses);
  for (let r = 0; r < probabilities.length / numClasses; r++) {
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      // float32 softmax underflows to 0 for hopeless classes; 1e-30 keeps them hopeless after scaling.
      logits[c] = Math.log(Math.max(probabilities[r * numClasses + c], 1e-30)) / temperature;
      max = Math.max(max, logits[c]);
    }
    let sum = 0;
    for (let c = 0; c < numClasses; c++) sum += (logits[c] = Math.exp(logits[c] - max));
    for (let c = 0; c < numClasses; c++) out[r * numClasses + c] = logits[c] / sum;
  }
  return out;
}

function negativeLogLikelihood({ labels, probabilities }: Predictions, temperature: number, numClasses: number): number {
  const scaled = scaleTemperature(probabilities, temperature, numClasses);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= Math.log(Math.max(scaled[i * numClasses + labels[i]], 1e-30));
  return sum / labels.length;
}

/**
 * The temperature in [0.05, 20] that minimises the negative log-likelihood. The likelihood is convex in
 * 1/T, so unimodal in log T: a golden-section search finds the minimum.
 */
export function fitTemperature(predictions: Predictions, numClasses = NUM_CLASSES): number {
  if (predictions.labels.length === 0) throw new Error('fitTemperature: no samples to fit on');
  const nll = (logT: number) => negativeLogLikelihood(predictions, Math.exp(logT), numClasses);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [lo, hi] = [Math.log(0.05), Math.log(20)];
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let [fa, fb] = [nll(a), nll(b)];
  while (hi - lo > 1e-4) {
    if (fa < fb) {
      [hi, b, fb] = [b, a, fa];
      a = hi - ratio * (hi - lo);
      fa = nll(a);
    } else {
      [lo, a, fa] = [a, b, fb];
      b = lo + ratio * (hi - lo);
      fb = nll(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** The test set's reliability, and with a validation split the fitted temperature and the test set after it. */
export function calibrationSummary(test: Predictions, validation?: Predictions, numClasses = NUM_CLASSES): CalibrationSummary {
  const before = reliability(test, ECE_BINS, numClasses);
  if (!validation || validation.labels.length === 0) return { ...before, temperature: null, scaled: null };
  const temperature = fitTemperature(validation, numClasses);
  const scaled = reliability({ labels: test.labels, probabilities: scaleTemperature(test.probabilities, temperature, numClasses) }, ECE_BINS, numClasses);
  return { ...before, temperature, scaled };
}
