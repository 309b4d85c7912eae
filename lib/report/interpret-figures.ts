/**
 * Why a model decides, as figures: saliency and Grad-CAM (CNNs) or attention rollout (ViTs) on correct and
 * wrong test digits, the reliability diagram, a UMAP of the penultimate features and the most confused
 * pairs over training. Notebook 06 and npm run plots -- --run DIR both draw them through interpretFigures.
 */
import type * as tf from '@tensorflow/tfjs';
import { confusionTrend } from '../analysis/confusion-trend';
import { embed2d, penultimateFeatures } from '../analysis/embedding';
import { gradCam } from '../analysis/gradcam';
import { attentionRollout } from '../analysis/rollout';
import { saliencyMaps } from '../analysis/saliency';
import { makeBatch } from '../data/dataset';
import { type DigitSet, NUM_CLASSES } from '../data/mnist';
import { calibrationSummary } from '../eval/calibration';
import type { Evaluation } from '../eval/evaluate';
import { attentionMaps, attentionOverlayMaps } from '../models/attention';
import { getModelSpec } from '../models/registry';
import { calibrationFigure } from '../plot/calibration';
import { confusionTrendFigure } from '../plot/confusion-trend';
import { embeddingFigure } from '../plot/embedding';
import { exampleTitle } from '../plot/examples';
import { OverlayGroup, overlayGridFigure } from '../plot/overlay';
import type { EpochMetrics, RunSummary, TrainConfig } from '../train/types';
import type { NamedFigure } from './run-figures';

export interface InterpretOptions {
  /** Correct and wrong test digits in the saliency and Grad-CAM grids, each (default 8). */
  examples?: number;
  /** Test digits whose attention rollout is shown (default 4). */
  rolloutDigits?: number;
  /** Test images in the embedding (default 2000): UMAP's time grows faster than linearly. */
  embeddingPoints?: number;
  /** Seed of the UMAP layout (default: the run's seed). */
  seed?: number;
  /** Most confused pairs followed over training (default 5). */
  topPairs?: number;
}

export interface InterpretInput {
  /** How titles name the run. */
  name: string;
  run: { config: TrainConfig; metrics: EpochMetrics[]; summary: RunSummary };
  model: tf.LayersModel;
  test: DigitSet;
  /** The test-set indices the evaluation ran on, in order. */
  indices: ArrayLike<number>;
  evaluation: Evaluation;
}

/** The test digits at these evaluation positions, one [0, 1] pixel array each, with their labels. */
function digits(input: InterpretInput, positions: number[]): { images: Float32Array[]; labels: Int32Array; pixels: Float32Array } {
  const batch = makeBatch(input.test, positions.map((i) => input.indices[i]));
  const size = input.test.height * input.test.width;
  return { images: positions.map((_, k) => batch.images.subarray(k * size, (k + 1) * size)), labels: batch.labels, pixels: batch.images };
}

const firstPositions = (count: number, available: number) => Array.from({ length: Math.min(count, available) }, (_, i) => i);

/** Positions in the evaluation of the first `count` correct predictions, and of the `count` most confident mistakes. */
function pickExamples(evaluation: Evaluation, count: number): { correct: number[]; wrong: number[] } {
  const positions = Array.from(evaluation.labels, (_, i) => i);
  const confidence = (i: number) => evaluation.probabilities[i * NUM_CLASSES + evaluation.predictions[i]];
  const correct = positions.filter((i) => evaluation.predictions[i] === evaluation.labels[i]).slice(0, count);
  const wrong = positions
    .filter((i) => evaluation.predictions[i] !== evaluation.labels[i])
    .sort((a, b) => confidence(b) - confidence(a))
    .slice(0, count);
  return { correct, wrong };
}

function exampleGroups(input: InterpretInput, positions: { correct: number[]; wrong: number[] }, heat: (images: Float32Array[]) => Float32Array[]): OverlayGroup[] {
  const { evaluation } = input;
  return (['correct', 'wrong'] as const).map((kind) => {
    const chosen = positions[kind];
    const { images } = digits(input, chosen);
    const maps = chosen.length ? heat(images) : [];
    const panels = chosen.map((i, k) => ({
      title: exampleTitle({ pixels: images[k], trueLabel: evaluation.labels[i], predicted: evaluation.predictions[i], confidence: evaluation.probabilities[i * NUM_CLASSES + evaluation.predictions[i]] }),
      pixels: images[k],
      heat: maps[k],
    }));
    return { title: `${kind === 'correct' ? 'correct' : 'wrong'} (${chosen.length})`, panels };
  });
}

/** Per test digit: the digit, each layer's attention (mean of heads), then the rollout of all layers. */
function rolloutFigure(input: InterpretInput, count: number): NamedFigure {
  const { images, labels } = digits(input, firstPositions(count, input.evaluation.labels.length));
  const perLayer = attentionMaps(input.model, images);
  const rollout = attentionRollout(input.model, images);
  const panels = images.flatMap((pixels, k) => [
    { title: `test ${input.indices[k]} (a ${labels[k]})`, pixels },
    ...attentionOverlayMaps(perLayer, k, { meanOverHeads: true }).maps.map((m) => ({ title: m.title.replace(' (mean of heads)', ''), pixels, heat: m.attention as number[] })),
    { title: 'rollout', pixels, heat: rollout.maps[k] },
  ]);
  const cols = perLayer.maps[0].length + 2;
  const title = `${input.name}: attention per layer and rolled out`;
  return { name: 'attention-rollout', figure: overlayGridFigure([{ title: '', panels }], { cols, title, heatName: 'attention' }) };
}

export function interpretFigures(input: InterpretInput, options: InterpretOptions = {}): NamedFigure[] {
  const { name, run, model, evaluation } = input;
  const family = getModelSpec(run.config.model).family;
  const positions = pickExamples(evaluation, options.examples ?? 8);
  const figures: NamedFigure[] = [];
  const grid = (file: string, what: string, heat: (images: Float32Array[]) => Float32Array[], heatName: string) =>
    figures.push({ name: file, figure: overlayGridFigure(exampleGroups(input, positions, heat), { title: `${name}: ${what}`, heatName }) });

  grid('saliency', 'saliency |∂ logit / ∂ pixel| of the predicted class', (images) => saliencyMaps(model, images), '|gradient|');
  if (family === 'cnn') grid('gradcam', 'Grad-CAM on the last convolution, predicted class', (images) => gradCam(model, images).maps, 'Grad-CAM');
  if (family === 'vit') figures.push(rolloutFigure(input, options.rolloutDigits ?? 4));

  const calibration = run.summary.calibration ?? calibrationSummary(evaluation);
  const scaled = calibration.scaled && calibration.temperature !== null ? { ...calibration.scaled, temperature: calibration.temperature } : undefined;
  figures.push({ name: 'calibration', figure: calibrationFigure(calibration, { scaled, title: `${name}: reliability on the test set` }) });

  const sample = digits(input, firstPositions(options.embeddingPoints ?? 2000, evaluation.labels.length));
  const points = sample.labels.length;
  const embedded = embed2d(penultimateFeatures(model, sample.pixels, points), { seed: options.seed ?? run.config.seed });
  const title = `${name}: UMAP of the penultimate features, ${points} test digits`;
  figures.push({ name: 'embedding', figure: embeddingFigure(embedded, evaluation.labels.subarray(0, points), evaluation.predictions.subarray(0, points), { title, axisTitles: ['UMAP 1', 'UMAP 2'] }) });

  const trend = confusionTrend(run.metrics, options.topPairs ?? 5);
  if (trend.pairs.length) figures.push({ name: 'confusion-trend', figure: confusionTrendFigure(trend, { title: `${name}: most confused pairs over training` }) });
  return figures;
}
