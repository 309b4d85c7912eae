/**
 * npm run predict end to end: a small cnn-small is trained here (a real run directory), MNIST test images
 * are written as PNG files and as photo-like JPEGs, and the CLI's predictions are compared with predicting
 * the same digits' tensors directly.
 */
import type * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as jpeg from 'jpeg-js';
import { tmpdir } from 'os';
import { join } from 'path';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstIndices, makeBatch } from '../lib/data/dataset';
import { DigitSet, loadMnist } from '../lib/data/mnist';
import { createRng } from '../lib/data/random';
import { argmaxRows, predictProbabilities } from '../lib/eval/evaluate';
import { grayImage, resize } from '../lib/preprocess';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { PROJECT_ROOT } from '../lib/util/paths';

const COUNT = 200;
const PHOTOS = 40;
const dir = mkdtempSync(join(tmpdir(), 'pixelwise-predict-'));
const runDir = join(dir, 'run');
let model: tf.LayersModel;
let testSet: DigitSet;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines. */
  lines: Record<string, unknown>[];
}

function predictCli(...args: string[]): CliResult {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', 'lib/cli/predict.ts', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    get lines() {
      return result.stdout.trim() ? result.stdout.trim().split('\n').map((line) => JSON.parse(line)) : [];
    },
  };
}

/** Lines of stderr that are ours, without tfjs's own start-up banner. */
const ownErrors = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('predict:'));

function pngOf(set: DigitSet, index: number): Buffer {
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) png.data.set([set.images[index * 784 + p], set.images[index * 784 + p], set.images[index * 784 + p], 255], p * 4);
  return PNG.sync.write(png, { colorType: 0 });
}

/**
 * A photo of the digit: enlarged, dark ink on unevenly lit, grainy, slightly yellow paper, somewhere on a
 * 240×180 sheet, saved as JPEG.
 */
function photoOf(set: DigitSet, index: number, rng: () => number): Uint8Array {
  const side = 90 + Math.floor(rng() * 80);
  const digit = resize(grayImage(28, 28, Float32Array.from(set.images.subarray(index * 784, (index + 1) * 784), (v) => v / 255)), side, side).data;
  const [width, height] = [240, 180];
  const left = Math.floor(rng() * (width - side));
  const top = Math.floor(rng() * (height - side));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const paper = 190 + 40 * (x / width) + (rng() - 0.5) * 20;
      const inside = x >= left && y >= top && x < left + side && y < top + side;
      const v = paper + (45 - paper) * (inside ? digit[(y - top) * side + (x - left)] : 0);
      data.set([v, v * 0.97, v * 0.9, 255], (y * width + x) * 4);
    }
  }
  return jpeg.encode({ width, height, data }, 85).data;
}

test.before(async () => {
  const data = await loadMnist();
  testSet = data.test;
  const config = resolveConfig({ model: 'cnn-small', modelOptions: { width: 16 }, epochs: 2, trainLimit: 4000, testLimit: COUNT, valFraction: 0.1, backend: 'wasm' });
  ({ model } = await trainRun(config, { runDir, data }));
  mkdirSync(join(dir, 'png'));
  mkdirSync(join(dir, 'photo'));
  for (let i = 0; i < COUNT; i++) writeFileSync(join(dir, 'png', `${i}.png`), pngOf(testSet, i));
  const rng = createRng(11);
  for (let i = 0; i < PHOTOS; i++) writeFileSync(join(dir, 'photo', `${i}.jpg`), photoOf(testSet, i, rng));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Digits predicted from the test set's tensors directly, without files or preprocessing. */
function directPredictions(count: number): { digits: Int32Array; probabilities: Float32Array } {
  const batch = makeBatch(testSet, firstIndices(testSet.count, count));
  const probabilities = predictProbabilities(model, batch.images, count);
  return { digits: argmaxRows(probabilities), probabilities };
}

const agreement = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).filter((d, i) => d === b[i]).length / a.length;

test('MNIST test images saved as PNG get the same predictions as their tensors (≥99%)', () => {
  const files = Array.from({ length: COUNT }, (_, i) => join(dir, 'png', `${i}.png`));
  const result = predictCli('--run', runDir, '--backend', 'wasm', ...files);
  assert.is(result.status, 0, result.stderr);
  assert.is(result.lines.length, COUNT, result.stdout.slice(0, 300) + ' … ' + result.stdout.slice(-300));
  result.lines.forEach((line, i) => {
    assert.is(line.file, files[i]);
    const probabilities = line.probabilities as number[];
    assert.is(probabilities.length, 10);
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.is(line.confidence, Math.max(...probabilities));
    assert.is(line.digit, probabilities.indexOf(Math.max(...probabilities)));
  });
  const cli = result.lines.map((line) => line.digit as number);
  const direct = directPredictions(COUNT).digits;
  assert.ok(agreement(cli, direct) >= 0.99, `agreement ${agreement(cli, direct)}`);
  // The model is a real one: it gets most of them right.
  assert.ok(agreement(cli, testSet.labels.subarray(0, COUNT)) >= 0.85, `accuracy ${agreement(cli, testSet.labels.subarray(0, COUNT))}`);
});

test('--raw skips preprocessing: exactly the tensors\' probabilities', () => {
  const files = Array.from({ length: 20 }, (_, i) => join(dir, 'png', `${i}.png`));
  const result = predictCli('--run', runDir, '--backend', 'wasm', '--raw', ...files);
  assert.is(result.status, 0, result.stderr);
  const direct = directPredictions(20);
  result.lines.forEach((line, i) => {
    assert.is(line.digit, direct.digits[i]);
    (line.probabilities as number[]).forEach((p, d) => assert.ok(Math.abs(p - direct.probabilities[i * 10 + d]) < 1e-5));
  });
  const photo = predictCli('--run', runDir, '--raw', join(dir, 'photo', '0.jpg'));
  assert.is(photo.status, 1);
  assert.is(photo.lines[0].error, "--raw needs a 28×28 image (the model's size), this one is 240×180");
});

test('photo-like JPEGs of the digits (enlarged, off-centre, dark on unevenly lit paper) mostly predict as the originals', () => {
  const files = Array.from({ length: PHOTOS }, (_, i) => join(dir, 'photo', `${i}.jpg`));
  const result = predictCli('--run', runDir, '--backend', 'wasm', ...files);
  assert.is(result.status, 0, result.stderr);
  const cli = result.lines.map((line) => line.digit as number);
  const direct = directPredictions(PHOTOS).digits;
  assert.ok(agreement(cli, direct) >= 0.9, `agreement ${agreement(cli, direct)}`);
});

test('unreadable, empty, non-image and corrupt files get an error line each; the others are still predicted', () => {
  writeFileSync(join(dir, 'empty.png'), '');
  writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
  writeFileSync(join(dir, 'cut.png'), pngOf(testSet, 0).subarray(0, 50));
  writeFileSync(join(dir, 'blank.png'), PNG.sync.write(Object.assign(new PNG({ width: 30, height: 30 }), { data: Buffer.alloc(3600, 255) })));
  const files = [
    join(dir, 'png', '0.png'),
    join(dir, 'empty.png'),
    join(dir, 'notes.txt'),
    join(dir, 'cut.png'),
    join(dir, 'missing.png'),
    join(dir, 'blank.png'),
    join(dir, 'png'),
    join(dir, 'png', '1.png'),
  ];
  const result = predictCli('--run', runDir, '--backend', 'wasm', ...files);
  assert.is(result.status, 1);
  assert.equal(
    result.lines.map((line) => line.file),
    files,
  );
  const errors = result.lines.slice(1, 7).map((line) => line.error as string);
  assert.equal(errors.slice(0, 2), ['empty file (0 bytes)', 'unsupported format: not a PNG or JPEG image']);
  assert.match(errors[2], /^corrupt or truncated PNG data \(.+\)$/);
  assert.equal(errors.slice(3), ['no such file', 'blank image: no ink found', 'is a directory, not an image file']);
  const direct = directPredictions(2).digits;
  assert.is(result.lines[0].digit, direct[0]);
  assert.is(result.lines[7].digit, direct[1]);
  assert.equal(ownErrors(result.stderr).length, 1);
  assert.match(ownErrors(result.stderr)[0], /^predict: 6 of 8 image\(s\) could not be predicted: /);
});

test('--top K and --pretty', () => {
  const file = join(dir, 'png', '0.png');
  const top = predictCli('--run', runDir, '--top', '3', file);
  assert.is(top.status, 0, top.stderr);
  const [line] = top.lines as { digit: number; probabilities: number[]; top: { digit: number; probability: number }[] }[];
  assert.is(line.top.length, 3);
  assert.is(line.top[0].digit, line.digit);
  assert.ok(line.top[0].probability >= line.top[1].probability && line.top[1].probability >= line.top[2].probability);
  line.top.forEach((t) => assert.is(t.probability, line.probabilities[t.digit]));

  const pretty = predictCli('--run', runDir, '--pretty', '--top', '2', file, join(dir, 'empty.png'));
  assert.is(pretty.status, 1);
  assert.match(pretty.stdout, new RegExp(`^${file}: ${line.digit} \\(\\d+\\.\\d%\\)   top: ${line.digit} \\d+\\.\\d%, \\d \\d+\\.\\d%\\n$`));
  assert.ok(pretty.stderr.includes(`${join(dir, 'empty.png')}: error: empty file (0 bytes)\n`));
});

test('a bad --run or bad options are one-line errors', () => {
  const file = join(dir, 'png', '0.png');
  const missing = predictCli('--run', join(dir, 'nowhere'), file);
  assert.is(missing.status, 1);
  assert.equal(ownErrors(missing.stderr), [`predict: ${join(dir, 'nowhere')}: no such run directory`]);
  assert.not.match(missing.stderr, /\n\s+at /);
  const notRun = predictCli('--run', join(dir, 'png'), file);
  assert.is(notRun.status, 1);
  assert.equal(ownErrors(notRun.stderr), [`predict: ${join(dir, 'png')}: no saved model here (expected model/model.json of a finished run)`]);
  const noFiles = predictCli('--run', runDir);
  assert.is(noFiles.status, 2);
  assert.equal(ownErrors(noFiles.stderr), ['predict: give at least one IMAGE file (run "npm run predict -- --help" for usage)']);
  const badTop = predictCli('--run', runDir, '--top', '11', file);
  assert.is(badTop.status, 2);
  assert.equal(ownErrors(badTop.stderr), ['predict: --top must be at most 10, got 11 (run "npm run predict -- --help" for usage)']);
});

test.run();
