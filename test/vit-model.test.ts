import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { evaluateRun } from '../lib/train/evaluate-run';
import { buildModel, getModelSpec, loadModel, saveModel } from '../lib/models';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { mnistSubset } from './helpers';

const tempDir = () => mkdtempSync(join(tmpdir(), 'pixelwise-vit-'));
const small = { dim: 16, depth: 1, heads: 2 };

test.before(async () => {
  await initBackend('wasm');
});

test('vit-tiny and vit-small are registered ViTs mapping images to 10 logits', () => {
  for (const name of ['vit-tiny', 'vit-small']) {
    assert.is(getModelSpec(name).family, 'vit');
    const model = buildModel(name, small);
    assert.equal(model.outputs[0].shape, [null, 10]);
    assert.equal((model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor).shape, [3, 10]);
    model.dispose();
  }
});

test('model options shape the architecture: patch grid, class token, depth', () => {
  const tokensOf = (model: tf.LayersModel) => model.getLayer('position_embedding').outputShape as number[];
  assert.equal(tokensOf(buildModel('vit-tiny', { ...small, patchSize: 4, pool: 'cls' })), [null, 50, 16]);
  assert.equal(tokensOf(buildModel('vit-tiny', { ...small, patchSize: 14, pool: 'mean' })), [null, 4, 16]);
  assert.equal(tokensOf(buildModel('vit-small', { ...small, patchSize: 28 })), [null, 1, 16]);
  const deep = buildModel('vit-tiny', { ...small, depth: 3 });
  assert.is(deep.layers.filter((l) => l.name.endsWith('_attention')).length, 3);
});

test('configurations that cannot work are refused with the reason', () => {
  const refuses = (model: string, options: Record<string, number | string>, pattern: RegExp) =>
    assert.throws(() => buildModel(model, options), pattern, JSON.stringify(options));
  refuses('vit-tiny', { patchSize: 5 }, /patchSize 5 does not divide the 28-pixel image side \(use one of 1, 2, 4, 7, 14, 28\)/);
  refuses('vit-tiny', { dim: 50, heads: 4 }, /dim 50 is not divisible by heads 4/);
  refuses('vit-small', { patchSize: 14 }, /conv stem downsamples by 4, so patchSize must be a multiple of 4, got 14/);
  refuses('vit-tiny', { depth: 0 }, /depth must be a positive integer, got 0/);
  refuses('vit-tiny', { heads: 2.5 }, /heads must be a positive integer/);
  refuses('vit-tiny', { pool: 'max' }, /pool must be one of cls, mean, got "max"/);
  refuses('vit-tiny', { stem: 'resnet' }, /stem must be one of patch, conv/);
  refuses('vit-tiny', { dropout: 1 }, /dropout must be in \[0, 1\)/);
  refuses('vit-tiny', { mlpRatio: 0 }, /mlpRatio must be positive/);
  refuses('vit-tiny', { dim: '64' }, /model option dim must be a number/);
  refuses('vit-tiny', { patch: 4 }, /model vit-tiny has no option "patch" \(its options: patchSize, dim, depth, heads, mlpRatio, dropout, pool, stem\)/);
  assert.throws(() => resolveConfig({ model: 'vit-tiny', modelOptions: { depht: 2 } }), /model vit-tiny has no option "depht"/, 'refused before any training starts');
});

test('save → load gives identical predictions (class token and mean pooling, both stems)', async () => {
  const images = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 3);
  for (const [name, pool] of [['vit-tiny', 'cls'], ['vit-small', 'mean'], ['vit-small', 'cls']]) {
    const model = buildModel(name, { ...small, pool, dropout: 0.1 });
    const dir = tempDir();
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const before = (model.predict(images) as tf.Tensor).dataSync();
    const after = (loaded.predict(images) as tf.Tensor).dataSync();
    assert.equal(Array.from(after), Array.from(before), `${name} ${pool}`);
    model.dispose();
    loaded.dispose();
  }
});

test('a short training on 2,000 real images beats chance by a wide margin; the run reloads', async () => {
  const data = await mnistSubset(2000, 400);
  const runDir = join(tempDir(), 'run');
  const config = resolveConfig({ model: 'vit-tiny', epochs: 3, batchSize: 32, valFraction: 0.1, modelOptions: { dim: 32, depth: 2, heads: 2 } });
  const result = await trainRun(config, { runDir, data });
  assert.ok(result.summary.testAccuracy > 0.6, `test accuracy ${result.summary.testAccuracy}`);
  const reloaded = await evaluateRun(runDir, { data });
  assert.is(reloaded.evaluation.accuracy, result.summary.testAccuracy);
  result.model.dispose();
});

test.run();
