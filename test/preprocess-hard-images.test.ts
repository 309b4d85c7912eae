/**
 * Hard input built here from MNIST test digits — tight crops whose strokes touch the frame, marker and fine-pen
 * strokes, blur, low contrast, JPEG, rotation, light ink on a dark board, whole numbers — read by a small model
 * trained here, and compared with what the same model says about the untouched digits.
 */
import type * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as H from '../lib/data/hard-images';
import { DigitSet, loadMnist } from '../lib/data/mnist';
import { createRng } from '../lib/data/random';
import { calibrateThreshold } from '../lib/eval/calibrate';
import { argmaxRows, predictProbabilities } from '../lib/eval/evaluate';
import { BLANK, ImageError, MNIST_PIXELS, preprocessImage, segmentNumber, toGrayscale } from '../lib/preprocess';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const COUNT = 200;
const NUMBERS = 100;
const dir = mkdtempSync(join(tmpdir(), 'pixelwise-hard-'));
let model: tf.LayersModel;
let set: DigitSet;
let untouched: Int32Array;

const predict = (inputs: Float32Array[]) => {
  const batch = new Float32Array(inputs.length * MNIST_PIXELS);
  inputs.forEach((x, i) => batch.set(x, i * MNIST_PIXELS));
  return argmaxRows(predictProbabilities(model, batch, inputs.length));
};

test.before(async () => {
  const data = await loadMnist();
  set = data.test;
  const config = resolveConfig({ model: 'cnn-small', modelOptions: { width: 16 }, epochs: 2, trainLimit: 6000, testLimit: 500, valFraction: 0.1, backend: 'wasm' });
  ({ model } = await trainRun(config, { runDir: join(dir, 'run'), data }));
  untouched = predict(Array.from({ length: COUNT }, (_, i) => H.mnistDigit(set, i).data));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Share of the first COUNT test digits, made hard by `make`, predicted as their untouched selves. */
function agreement(make: (typeof H.HARD_VARIANTS)[string]): number {
  const rng = createRng(5);
  const got = predict(Array.from({ length: COUNT }, (_, i) => preprocessImage(make(H.mnistDigit(set, i), rng))));
  return got.filter((d, i) => d === untouched[i]).length / COUNT;
}

const INK = H.DARK_ON_WHITE;
/** Goals per variant: tight crops as the issue asks, the harder kinds a little lower. */
const GOALS: Record<string, number> = {
  'tight crop at MNIST size': 0.97,
  'tight crop enlarged 4×': 0.97,
  'tight crop, thick marker strokes': 0.9,
  'tight crop, very thick marker': 0.7,
};

for (const [name, make] of Object.entries(H.HARD_VARIANTS)) {
  const goal = GOALS[name] ?? 0.95;
  test(`${name}: at least ${Math.round(goal * 100)}% predicted as the untouched digit`, () => {
    const share = agreement(make);
    process.stdout.write(` [${name}: ${(share * 100).toFixed(1)}%] `);
    assert.ok(share >= goal, `${(share * 100).toFixed(1)}%`);
  });
}

test('numbers of 2 to 6 digits with irregular gaps, sizes and baselines read as their untouched digits (≥90%)', () => {
  const rng = createRng(3);
  let exact = 0;
  for (let k = 0; k < NUMBERS; k++) {
    const { indices, picture, boxes } = H.randomNumber(set, 2 + (k % 5), rng);
    const expected = predict(indices.map((i) => H.mnistDigit(set, i).data)).join('');
    const digits = segmentNumber(toGrayscale(H.onPaper(picture, INK)));
    if (predict(digits.map((d) => d.input)).join('') === expected) {
      exact++;
      // Each box found lies over the digit placed there.
      digits.forEach(({ box }, i) => assert.ok(Math.abs(box.x + box.width / 2 - (boxes[i][0] + boxes[i][2] / 2)) < boxes[i][2] / 2 + 2, `box ${i} of number ${k}`));
    }
  }
  process.stdout.write(` [numbers: ${exact}/${NUMBERS}] `);
  assert.ok(exact >= 0.9 * NUMBERS, `${exact} of ${NUMBERS} read exactly`);
});

test('a blank page, a page with a lone speck and a faint smudge are blank, never a digit', () => {
  const blank = (page: H.RgbaPicture) => {
    for (const read of [() => preprocessImage(page), () => segmentNumber(toGrayscale(page))]) {
      assert.throws(read, (err: Error) => err instanceof ImageError && err.message.startsWith(BLANK));
    }
  };
  const empty = { width: 120, height: 90, data: new Float32Array(120 * 90) };
  blank(H.onPaper(empty, { ...INK, noise: 3 }, createRng(1)));
  const speck = { ...empty, data: new Float32Array(empty.data.length) };
  for (const p of [45 * 120 + 60, 45 * 120 + 61, 46 * 120 + 60, 46 * 120 + 61]) speck.data[p] = 1;
  blank(H.onPaper(speck, INK));
  // The same speck on a small 28×28 crop too.
  blank(H.onPaper({ width: 28, height: 28, data: Float32Array.from({ length: 784 }, (_, p) => (p === 400 || p === 401 ? 1 : 0)) }, INK));
});

test('the uncertainty threshold keeps the most confident validation share that is still 99.5% right', () => {
  // Ten predictions, confidences 0.95 down to 0.5; the two least confident are wrong.
  const probabilities = new Float32Array(100);
  const labels = Array.from({ length: 10 }, (_, i) => (i < 8 ? 0 : 1));
  for (let i = 0; i < 10; i++) [probabilities[i * 10], probabilities[i * 10 + 2]] = [0.95 - i * 0.05, 0.05 + i * 0.05];
  const calibration = calibrateThreshold(probabilities, labels);
  assert.ok(Math.abs(calibration.threshold - 0.6) < 1e-6, `threshold ${calibration.threshold}`);
  assert.is(calibration.coverage, 0.8);
  assert.is(calibration.confidentAccuracy, 1);
  assert.is(calibration.valAccuracy, 0.8);
  // A model that is never right enough flags everything.
  assert.is(calibrateThreshold(probabilities, Array(10).fill(3)).threshold, 1);
});

test.run();
