import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { shiftImages } from '../lib/data/augment';
import { batchesOf, firstIndices, makeBatch } from '../lib/data/dataset';
import { evaluateModel, predictProbabilities, TTA_SHIFTS } from '../lib/eval/evaluate';
import { evaluateRun } from '../lib/train/evaluate-run';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { mnistSubset } from './helpers';

test.before(async () => {
  await initBackend('wasm');
});

test('a shift moves every pixel by whole pixels and blacks out the uncovered border', () => {
  const image = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i + 1);
  const right = shiftImages(image, 2, 3, 4, 1, 0);
  assert.equal(Array.from(right.subarray(0, 4)), [0, 1, 2, 3]);
  assert.equal(Array.from(right.subarray(12, 16)), [0, 13, 14, 15]);
  const up = shiftImages(image, 2, 3, 4, 0, -1);
  assert.equal(Array.from(up.subarray(0, 12)), [5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0]);
  assert.equal(Array.from(shiftImages(image, 2, 3, 4, 0, 0)), Array.from(image));
});

test('the validation split is recomputed as training made it, and test-time augmentation averages the shifted views', async () => {
  const data = await mnistSubset(400, 60);
  const config = resolveConfig({ model: 'cnn-small', epochs: 1, batchSize: 32, lr: 0.003, modelOptions: { width: 4 }, valFraction: 0.1 });
  const run = await trainRun(config, { runDir: join(mkdtempSync(join(tmpdir(), 'pixelwise-tta-')), 'run'), data });
  const validation = await evaluateRun(run.runDir, { data, split: 'validation' });
  assert.is(validation.samples, 40);
  assert.is(validation.evaluation.accuracy, run.metrics[0].valAcc);

  const tta = evaluateModel(run.model, data.test, firstIndices(60), { tta: true });
  const [batch] = [...batchesOf(firstIndices(60), 256)].map((indices) => makeBatch(data.test, indices));
  const views = TTA_SHIFTS.map(([dx, dy]) => predictProbabilities(run.model, shiftImages(batch.images, 60, 28, 28, dx, dy), 60));
  tta.probabilities.forEach((p, i) => assert.ok(Math.abs(p - views.reduce((s, v) => s + v[i], 0) / views.length) < 1e-6));
  const viaRun = await evaluateRun(run.runDir, { data, tta: true });
  assert.is(viaRun.evaluation.accuracy, tta.accuracy);
  run.model.dispose();
});

test.run();
