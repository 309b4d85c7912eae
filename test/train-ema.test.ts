import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { loadModel } from '../lib/models/io';
import { modelFamily } from '../lib/models/registry';
import { resolveConfig, runSplit } from '../lib/train/config';
import { emaDecayAt, WeightAverage } from '../lib/train/ema';
import { trainRun } from '../lib/train/run';
import type { TrainConfig } from '../lib/train/types';
import { mnistSubset, rejects } from './helpers';

const tempRun = () => join(mkdtempSync(join(tmpdir(), 'pixelwise-ema-')), 'run');
const small = (overrides: Partial<TrainConfig> = {}) =>
  resolveConfig({ model: 'cnn-small', epochs: 2, batchSize: 32, lr: 0.003, modelOptions: { width: 4 }, valFraction: 0.1, ema: 0.9, ...overrides });
const values = (tensors: tf.Tensor[]) => tensors.map((t) => Array.from(t.dataSync()));

test.before(async () => {
  await initBackend('wasm');
});

test('the decay warms up from 0.1 at the first step to its set value', () => {
  assert.is(emaDecayAt(0.999, 0), 0.1);
  assert.ok(Math.abs(emaDecayAt(0.999, 90) - 91 / 100) < 1e-12);
  assert.is(emaDecayAt(0.999, 1e6), 0.999);
});

test('each update moves the average a fraction 1 − decay towards the weights, and evaluation puts the live weights back', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  const start = values(model.weights.map((w) => w.read()));
  const average = new WeightAverage(model, 0.5);
  model.weights.forEach((w) => w.write(tf.tidy(() => tf.add(w.read(), 1))));
  average.update(1e6);
  const expected = start.map((xs) => xs.map((x) => x + 0.5));
  values(average.averages).forEach((xs, i) => xs.forEach((x, j) => assert.ok(Math.abs(x - expected[i][j]) < 1e-6)));
  const before = tf.memory().numTensors;
  const seen = await average.withAverage(() => values(model.weights.map((w) => w.read())));
  assert.equal(seen, values(average.averages));
  assert.equal(values(model.weights.map((w) => w.read())), start.map((xs) => xs.map((x) => Math.fround(x + 1))));
  assert.is(tf.memory().numTensors, before);
  average.dispose();
  model.dispose();
});

test('a run with ema validates and saves the average, records the live accuracy, and resumes bit-exactly', async () => {
  const data = await mnistSubset(300, 100);
  const config = small({ epochs: 3 });
  const whole = await trainRun(config, { runDir: tempRun(), data });
  assert.ok(whole.metrics.every((m) => typeof m.liveValAcc === 'number'));
  const saved = await loadModel(join(whole.runDir, 'model'));
  assert.equal(values(saved.getWeights()), values(whole.model.getWeights()));
  const live = await loadModel(join(whole.runDir, 'checkpoint'));
  assert.not.equal(values(live.getWeights()), values(saved.getWeights()), 'the saved model is the average, not the live weights');
  saved.dispose();
  live.dispose();

  const runDir = tempRun();
  await rejects(() => trainRun(config, { runDir, data, onEpoch: (m) => { if (m.epoch === 2) throw new Error('simulated crash'); } }), /simulated crash/);
  const resumed = await trainRun(config, { runDir, data, resume: true });
  const strip = (r: typeof whole) => r.metrics.map(({ seconds, ...m }) => m);
  assert.equal(strip(resumed), strip(whole));
  assert.equal(values(resumed.model.getWeights()), values(whole.model.getWeights()));
  whole.model.dispose();
  resumed.model.dispose();
});

test('no tensor leaks with ema: tf.memory().numTensors stays flat across epochs', async () => {
  const data = await mnistSubset(200, 50);
  const counts: number[] = [];
  const result = await trainRun(small({ epochs: 3 }), { runDir: tempRun(), data, onEpoch: () => void counts.push(tf.memory().numTensors) });
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts per epoch: ${counts}`);
  result.model.dispose();
});

test('runs of different seeds share one validation split when they share a split seed', () => {
  const a = runSplit(small({ seed: 1, splitSeed: 7 }), 1000);
  const b = runSplit(small({ seed: 2, splitSeed: 7 }), 1000);
  const c = runSplit(small({ seed: 2 }), 1000);
  assert.equal(Array.from(a.val), Array.from(b.val));
  assert.not.equal(Array.from(c.val), Array.from(b.val));
  assert.equal(Array.from(runSplit(small({ seed: 7 }), 1000).val), Array.from(a.val));
});

test('summary.json names the family: cnn, pure vit or hybrid', async () => {
  const data = await mnistSubset(100, 20);
  const run = await trainRun(small({ epochs: 1 }), { runDir: tempRun(), data });
  assert.is(JSON.parse(readFileSync(join(run.runDir, 'summary.json'), 'utf8')).family, 'cnn');
  run.model.dispose();
  assert.is(modelFamily('vit-tiny'), 'vit');
  assert.is(modelFamily('vit-small'), 'hybrid');
  assert.is(modelFamily('vit-small', { stem: 'patch' }), 'vit');
});

test.run();
