/** Classification metrics computed from labels and predictions: plain numbers, no tensors. */
import { NUM_CLASSES } from '../data/mnist';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  /** confusionMatrix[trueLabel][predictedLabel] = count */
  confusionMatrix: number[][];
  perClass: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
}

export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses = NUM_CLASSES): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][predictions[i]]++;
  return matrix;
}

const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);

export function reportFromConfusion(matrix: number[][]): ClassificationReport {
  const n = matrix.length;
  let correct = 0;
  let total = 0;
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < n; c++) {
    const tp = matrix[c][c];
    const support = matrix[c].reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[c], 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    perClass.push({ precision, recall, f1: ratio(2 * precision * recall, precision + recall), support });
    correct += tp;
    total += support;
  }
  const mean = (key: keyof ClassMetrics) => perClass.reduce((a, m) => a + m[key], 0) / n;
  return {
    accuracy: ratio(correct, total),
    confusionMatrix: matrix,
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
  };
}

export function classificationReport(labels: ArrayLike<number>, predictions: ArrayLike<number>): ClassificationReport {
  return reportFromConfusion(confusionMatrix(labels, predictions));
}
