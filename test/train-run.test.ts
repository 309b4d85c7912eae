import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { evaluateModel } from '../lib/eval/evaluate';
import { evaluateRun } from '../lib/train/evaluate-run';
import { firstIndices } from '../lib/data/dataset';
import { loadModel } from '../lib/models/io';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import type { TrainConfig } from '../lib/train/types';
import { mnistSubset, rejects } from './helpers';

const tempRun = () => join(mkdtempSync(join(tmpdir(), 'pixelwise-run-')), 'run');
const small = (overrides: Partial<TrainConfig> = {}) =>
  resolveConfig({ model: 'cnn-small', epochs: 2, batchSize: 32, lr: 0.003, modelOptions: { width: 8 }, valFraction: 0.1, ...overrides });

test.before(async () => {
  await initBackend('wasm');
});

test('a short training on 1,200 images beats chance by a wide margin and leaves a complete run', async () => {
  const data = await mnistSubset(1200, 400);
  const runDir = tempRun();
  const result = await trainRun(small(), { runDir, data });
  assert.ok(result.summary.testAccuracy > 0.7, `test accuracy ${result.summary.testAccuracy}`);
  for (const file of ['config.json', 'metrics.jsonl', 'summary.json', 'model/model.json', 'model/weights.bin']) {
    assert.ok(existsSync(join(runDir, file)), `${file} missing`);
  }
  const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.map((l) => l.epoch), [1, 2]);
  for (const key of ['loss', 'acc', 'valLoss', 'valAcc', 'lr', 'seconds']) assert.type(lines[1][key], 'number');
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  assert.is(summary.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0), 400);
  assert.is(summary.perClass.length, 10);
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  assert.is(config.backend.name, 'wasm');
  assert.is(config.config.seed, 42);
  assert.ok(config.data.sha256.trainImages.length === 64);

  const reloaded = await evaluateRun(runDir, { data });
  assert.is(reloaded.evaluation.accuracy, summary.testAccuracy);
  result.model.dispose();
});

test('save → load gives identical predictions', async () => {
  const data = await mnistSubset(300, 100);
  const runDir = tempRun();
  const { model } = await trainRun(small({ epochs: 1 }), { runDir, data });
  const loaded = await loadModel(join(runDir, 'model'));
  const before = evaluateModel(model, data.test, firstIndices(100));
  const after = evaluateModel(loaded, data.test, firstIndices(100));
  assert.equal(Array.from(after.probabilities), Array.from(before.probabilities));
  model.dispose();
  loaded.dispose();
});

test('the same seed on the same backend gives identical metrics; another seed does not', async () => {
  const data = await mnistSubset(300, 100);
  const config = small({ epochs: 2, augment: true });
  const a = await trainRun(config, { runDir: tempRun(), data });
  const b = await trainRun(config, { runDir: tempRun(), data });
  const c = await trainRun({ ...config, seed: 7 }, { runDir: tempRun(), data });
  const strip = (r: typeof a) => r.metrics.map(({ seconds, ...m }) => m);
  assert.equal(strip(a), strip(b));
  assert.equal(a.summary.confusionMatrix, b.summary.confusionMatrix);
  assert.not.equal(strip(a), strip(c));
  [a, b, c].forEach((r) => r.model.dispose());
});

test('an interrupted run resumes from its last complete epoch and ends as if never interrupted', async () => {
  const data = await mnistSubset(300, 100);
  const config = small({ epochs: 3, modelOptions: { width: 4 } });
  const whole = await trainRun(config, { runDir: tempRun(), data });
  const runDir = tempRun();
  await rejects(
    () =>
      trainRun(config, {
      runDir,
      data,
      onEpoch: (m) => {
          if (m.epoch === 2) throw new Error('simulated crash');
        },
      }),
    /simulated crash/,
  );
  assert.ok(!existsSync(join(runDir, 'summary.json')));
  const resumed = await trainRun(config, { runDir, data, resume: true });
  // Bit-exact: the checkpoint keeps Adam's running beta powers, not only what getWeights returns.
  const strip = (r: typeof whole) => r.metrics.map(({ seconds, ...m }) => m);
  assert.equal(strip(resumed), strip(whole));
  assert.is(resumed.summary.testLoss, whole.summary.testLoss);
  const weights = (r: typeof whole) => r.model.getWeights().map((w) => Array.from(w.dataSync()));
  assert.equal(weights(resumed), weights(whole));
  assert.equal(resumed.summary.confusionMatrix, whole.summary.confusionMatrix);
  whole.model.dispose();
  resumed.model.dispose();
});

test("onEpoch's 'stop' or an aborted signal ends the training after that epoch, and the run finishes with it", async () => {
  const data = await mnistSubset(300, 100);
  const stopped = await trainRun(small({ epochs: 3 }), { runDir: tempRun(), data, onEpoch: (metrics) => (metrics.epoch === 1 ? 'stop' : undefined) });
  assert.equal(stopped.metrics.map((m) => m.epoch), [1]);
  assert.is(stopped.summary.epochs, 1);
  assert.ok(existsSync(join(stopped.runDir, 'summary.json')) && existsSync(join(stopped.runDir, 'model/model.json')));
  const reloaded = await evaluateRun(stopped.runDir, { data });
  assert.is(reloaded.evaluation.accuracy, stopped.summary.testAccuracy);
  stopped.model.dispose();

  const controller = new AbortController();
  const aborted = await trainRun(small({ epochs: 3 }), { runDir: tempRun(), data, signal: controller.signal, onEpoch: (metrics) => void (metrics.epoch === 2 && controller.abort()) });
  assert.equal(aborted.metrics.map((m) => m.epoch), [1, 2]);
  assert.is(aborted.summary.epochs, 2);
  aborted.model.dispose();
});

test('no tensor leaks: tf.memory().numTensors stays flat across epochs and evaluations', async () => {
  const data = await mnistSubset(200, 100);
  const counts: number[] = [];
  const result = await trainRun(small({ epochs: 3, optimizer: 'adamw', weightDecay: 0.01, clipNorm: 1, labelSmoothing: 0.1 }), {
    runDir: tempRun(),
    data,
    onEpoch: () => void counts.push(tf.memory().numTensors),
  });
  assert.is(counts.length, 3);
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts per epoch: ${counts}`);
  const before = tf.memory().numTensors;
  evaluateModel(result.model, data.test, firstIndices(100));
  assert.is(tf.memory().numTensors, before);
  result.model.dispose();
});

test('refuses to overwrite a finished run and to resume a missing one', async () => {
  const data = await mnistSubset(100, 50);
  const runDir = tempRun();
  const { model } = await trainRun(small({ epochs: 1 }), { runDir, data });
  model.dispose();
  await rejects(() => trainRun(small({ epochs: 1 }), { runDir, data }), /already holds a run; use --resume/);
  await rejects(() => trainRun(small({ epochs: 1 }), { runDir: tempRun(), data, resume: true }), /nothing to resume/);
});

test.run();
