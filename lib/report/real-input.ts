/**
 * Notebook 07's plumbing: hard pictures built from MNIST test digits with lib/data/hard-images, the
 * preprocessing of each shown step by step, the run's reading of it (confidence and the calibrated uncertain
 * flag, as npm run predict prints them), and a whole number read with segmentNumber, as predict --number does.
 */
import { DARK_ON_WHITE, HARD_VARIANTS, mnistDigit, onPaper, randomNumber } from '../data/hard-images';
import { type DigitSet, NUM_CLASSES } from '../data/mnist';
import { createRng, deriveSeed } from '../data/random';
import { loadCalibration } from '../train/evaluate-run';
import { argmaxRows, predictProbabilities } from '../eval/evaluate';
import { loadModel } from '../models/io';
import { numberBoxesFigure, StepPanel, stepsFigure } from '../plot/steps';
import { crop, GrayImage, inkBoundingBox, inkSteps, preprocessGray, resize, segmentNumber, toGrayscale } from '../preprocess';
import type { Row } from './tables';
import type { NamedFigure } from './run-figures';
import { modelDir, type RunRecord } from '../train/run-dir';

export interface RealInputOptions {
  /** Names of HARD_VARIANTS to show. */
  variants: string[];
  /** Test digits (by index) each variant is built from. */
  digits: number[];
  /** Digits in the synthetic number. */
  numberLength: number;
  seed: number;
}

/** The model's digit and confidence for each input, and whether it falls below the run's threshold. */
function read(probabilities: Float32Array, threshold: number): { digit: number; confidence: number; uncertain: boolean }[] {
  return Array.from(argmaxRows(probabilities), (digit, i) => {
    const confidence = probabilities[i * NUM_CLASSES + digit];
    return { digit, confidence, uncertain: confidence < threshold };
  });
}

const batchOf = (inputs: Float32Array[]) => {
  const out = new Float32Array(inputs.reduce((n, x) => n + x.length, 0));
  inputs.reduce((at, x) => (out.set(x, at), at + x.length), 0);
  return out;
};
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
/** Panels are a few centimetres wide: larger pictures are shrunk for display only, to keep the notebook small. */
const DISPLAY_SIDE = 64;
function forDisplay(image: GrayImage): GrayImage {
  const scale = DISPLAY_SIDE / Math.max(image.width, image.height);
  const clipped = { ...image, data: image.data.map((v) => Math.min(1, v)) };
  return scale >= 1 ? clipped : resize(clipped, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

/**
 * Every (variant, digit): its steps as one row of a figure and its reading as one table row, next to the
 * reading of the untouched MNIST digit; then one number of random test digits, read whole.
 */
export async function readRealInput(run: RunRecord, test: DigitSet, options: RealInputOptions): Promise<{ threshold: number; figures: NamedFigure[]; readings: Row[]; number: Row }> {
  const unknown = options.variants.filter((v) => !HARD_VARIANTS[v]);
  if (unknown.length) throw new Error(`unknown hard variant(s) ${unknown.map((v) => `"${v}"`).join(', ')} (known: ${Object.keys(HARD_VARIANTS).join('; ')})`);
  const { threshold } = await loadCalibration(run.dir);
  const model = await loadModel(modelDir(run.dir));
  try {
    const cases = options.variants.flatMap((variant) => options.digits.map((index) => ({ variant, index })));
    const rows: StepPanel[][] = [];
    const inputs = cases.map(({ variant, index }) => {
      const gray = toGrayscale(HARD_VARIANTS[variant](mnistDigit(test, index), createRng(deriveSeed(options.seed, variant, index))));
      const steps = inkSteps(gray);
      const box = inkBoundingBox(steps.clean)!;
      const input = preprocessGray(gray);
      rows.push([
        { title: `${variant.replace(', ', ',<br>')} (${gray.width}×${gray.height})`, picture: forDisplay(gray) },
        { title: 'paper model', picture: forDisplay(steps.paper) },
        { title: 'ink', picture: forDisplay(steps.ink) },
        { title: 'clean ink mask', picture: forDisplay(steps.clean) },
        { title: 'crop', picture: forDisplay(crop(steps.clean, box)) },
        { title: '28×28 input', picture: { width: 28, height: 28, data: input } },
      ]);
      return input;
    });
    const untouched = read(predictProbabilities(model, batchOf(options.digits.map((i) => mnistDigit(test, i).data)), options.digits.length), threshold);
    const hard = read(predictProbabilities(model, batchOf(inputs), inputs.length), threshold);
    const readings = cases.map(({ variant, index }, i): Row => {
      const before = untouched[options.digits.indexOf(index)];
      return { variant, testIndex: index, label: test.labels[index], untouched: before.digit, read: hard[i].digit, confidence: Number(hard[i].confidence.toFixed(4)), uncertain: hard[i].uncertain, agrees: hard[i].digit === before.digit };
    });
    rows.forEach((row, i) => (row[5].title = `→ ${hard[i].digit} (${pct(hard[i].confidence)}${hard[i].uncertain ? ', uncertain' : ''})`));

    const composed = randomNumber(test, options.numberLength, createRng(deriveSeed(options.seed, 'number')));
    const gray = toGrayscale(onPaper(composed.picture, DARK_ON_WHITE));
    const digits = segmentNumber(gray);
    const found = read(predictProbabilities(model, batchOf(digits.map((d) => d.input)), digits.length), threshold);
    const truth = composed.indices.map((i) => test.labels[i]).join('');
    const number: Row = { written: truth, read: found.map((d) => d.digit).join(''), digitsFound: digits.length, uncertain: found.some((d) => d.uncertain), exact: found.map((d) => d.digit).join('') === truth };
    const boxes = digits.map(({ box }, i) => ({ box: [box.x, box.y, box.width, box.height] as [number, number, number, number], label: `${found[i].digit} ${pct(found[i].confidence)}${found[i].uncertain ? '?' : ''}`, flagged: found[i].uncertain }));
    return {
      threshold,
      figures: [
        { name: 'steps', figure: stepsFigure(rows) },
        { name: 'number', figure: numberBoxesFigure(gray, boxes, { title: `Written ${truth}, read ${number.read}` }) },
      ],
      readings,
      number,
    };
  } finally {
    model.dispose();
  }
}
