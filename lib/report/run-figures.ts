/** Every figure of one finished run, as the training notebooks show them and npm run plots -- --run re-renders them. */
import { type DigitSet, NUM_CLASSES } from '../data/mnist';
import type { Evaluation } from '../eval/evaluate';
import { confusionMatrixFigure } from '../plot/confusion';
import { trainingCurvesFigure } from '../plot/curves';
import { Example, examplesGridFigure } from '../plot/examples';
import type { Figure } from '../plot/figure';
import { perClassFigure } from '../plot/per-class';
import type { EpochMetrics, RunSummary } from '../train/types';

export interface NamedFigure {
  /** File-name stem: training-curves, confusion-matrix, ... */
  name: string;
  figure: Figure;
}

/**
 * The test images the model got wrong, most confident mistakes first. `indices` are the dataset indices
 * the evaluation ran on, in order (e.g. firstIndices(test.count, testLimit)).
 */
export function misclassifiedExamples(set: DigitSet, indices: ArrayLike<number>, evaluation: Evaluation, max = 24): Example[] {
  const pixels = set.height * set.width;
  const wrong: Example[] = [];
  for (let i = 0; i < evaluation.labels.length; i++) {
    const predicted = evaluation.predictions[i];
    if (predicted === evaluation.labels[i]) continue;
    const start = indices[i] * pixels;
    wrong.push({
      pixels: Float32Array.from(set.images.subarray(start, start + pixels), (v) => v / 255),
      trueLabel: evaluation.labels[i],
      predicted,
      confidence: evaluation.probabilities[i * NUM_CLASSES + predicted],
    });
  }
  return wrong.sort((a, b) => b.confidence - a.confidence).slice(0, max);
}

/**
 * Training curves, confusion matrix (counts and normalised by true label), per-class metrics and, when the
 * examples are given, the misclassified test digits. Titles name the run.
 */
export function runFigures(name: string, run: { metrics: EpochMetrics[]; summary: RunSummary }, misclassified?: Example[]): NamedFigure[] {
  const figures: NamedFigure[] = [
    { name: 'training-curves', figure: trainingCurvesFigure(run.metrics, { title: `${name}: training curves` }) },
    { name: 'confusion-matrix', figure: confusionMatrixFigure(run.summary.confusionMatrix, { title: `${name}: confusion matrix` }) },
    {
      name: 'confusion-matrix-normalised',
      figure: confusionMatrixFigure(run.summary.confusionMatrix, { normalize: 'true', title: `${name}: confusion matrix (share of each true digit)` }),
    },
    { name: 'per-class', figure: perClassFigure(run.summary.perClass, { title: `${name}: per-class precision, recall and F1` }) },
  ];
  if (misclassified) {
    const title = `${name}: ${misclassified.length} most confident mistakes`;
    figures.push({ name: 'misclassified', figure: examplesGridFigure(misclassified, { title, cols: 8 }) });
  }
  return figures;
}
