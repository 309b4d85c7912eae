import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attentionRollout, confusionTrend, embed2d, gradCam, penultimateFeatures, rolloutMatrix, saliencyMaps } from '../lib/analysis';
import { initBackend } from '../lib/backend/select';
import { createRng } from '../lib/data/random';
import { buildModel } from '../lib/models';
import type { EpochMetrics } from '../lib/train/types';
import { mnistSubset } from './helpers';

let images: Float32Array[];

test.before(async () => {
  await initBackend('wasm');
  const data = await mnistSubset(4, 1);
  images = [0, 1, 2, 3].map((i) => Float32Array.from(data.train.images.slice(i * 784, (i + 1) * 784), (v) => v / 255));
});

/** A CNN whose last dense layer has zero weights: its logits are the bias whatever the input. */
function constantCnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: 'zeros', biasInitializer: 'randomNormal' }),
    ],
  });
}

test('saliency of a constant-output model is zero everywhere; Grad-CAM too', () => {
  const model = constantCnn();
  const maps = saliencyMaps(model, images);
  assert.is(maps.length, 4);
  assert.ok(maps.every((m) => m.length === 784 && m.every((v) => v === 0)));
  const cam = gradCam(model, images);
  assert.ok(cam.maps.every((m) => m.length === 784 && m.every((v) => v === 0)));
  model.dispose();
});

test("saliency of a linear model is the magnitude of the explained class's weights", () => {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10 })] });
  const weights = (model.layers[1].getWeights()[0].arraySync() as number[][]).map((row) => row[3]);
  const [map] = saliencyMaps(model, [images[0]], [3]);
  assert.ok(map.every((v, i) => Math.abs(v - Math.abs(weights[i])) < 1e-6));
  assert.throws(() => saliencyMaps(model, images, [3]), /4 images but 1 classes/);
  model.dispose();
});

test('Grad-CAM on cnn-small: one non-negative 28×28 map per image from the last convolution; a ViT is refused', () => {
  const model = buildModel('cnn-small');
  const cam = gradCam(model, images, [0, 1, 2, 3]);
  assert.is(cam.featureSide, 14);
  assert.is(cam.layer, model.layers.filter((l) => l.getClassName() === 'Conv2D').pop()!.name);
  assert.ok(cam.maps.every((m) => m.length === 784 && m.every((v) => v >= 0)));
  model.dispose();
  const vit = buildModel('vit-tiny', { dim: 16, heads: 2 });
  assert.throws(() => gradCam(vit, images), /has no Conv2D layer/);
  vit.dispose();
});

/** n × n matrix with random positive rows summing to 1. */
function stochastic(n: number, rng: () => number): number[][] {
  return Array.from({ length: n }, () => {
    const row = Array.from({ length: n }, () => rng() + 0.01);
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  });
}

test('rollout rows sum to 1, and one layer rolls out to ½A + ½I', () => {
  const rng = createRng(3);
  const layers = [stochastic(5, rng), stochastic(5, rng), stochastic(5, rng)];
  for (const row of rolloutMatrix(layers)) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const [a] = layers;
  const one = rolloutMatrix([a]);
  one.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (0.5 * a[i][j] + (i === j ? 0.5 : 0))) < 1e-12)));
  // Two layers: Â₂ · Â₁.
  const two = rolloutMatrix(layers.slice(0, 2));
  const hat = (m: number[][]) => m.map((row, i) => row.map((v, j) => 0.5 * v + (i === j ? 0.5 : 0)));
  const [h1, h2] = [hat(layers[0]), hat(layers[1])];
  assert.ok(Math.abs(two[1][2] - h2[1].reduce((s, v, k) => s + v * h1[k][2], 0)) < 1e-12);
});

test('attention rollout of a ViT: one distribution over the patches per image, for class-token and mean pooling', () => {
  for (const pool of ['cls', 'mean'] as const) {
    const model = buildModel('vit-tiny', { dim: 16, heads: 2, pool });
    const rollout = attentionRollout(model, images);
    assert.is(rollout.pool, pool);
    assert.is(rollout.gridSize, 4);
    assert.is(rollout.maps.length, 4);
    for (const map of rollout.maps) {
      assert.is(map.length, 16);
      assert.ok(map.every((v) => v >= 0));
      assert.ok(Math.abs(map.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
    model.dispose();
  }
});

test('UMAP of the same features with the same seed is identical; another seed gives another layout', () => {
  const rng = createRng(11);
  const features = Array.from({ length: 60 }, (_, i) => Array.from({ length: 8 }, () => rng() + (i % 3)));
  const a = embed2d(features, { seed: 5 });
  const b = embed2d(features, { seed: 5 });
  assert.is(a.length, 60);
  assert.ok(a.every((p) => p.length === 2 && p.every(Number.isFinite)));
  assert.equal(a, b);
  assert.not.equal(embed2d(features, { seed: 6 }), a);
  assert.throws(() => embed2d(features.slice(0, 10)), /needs more than 15 points, got 10/);
});

test('penultimate features: the input of the last dense layer, one row per image', () => {
  const model = buildModel('cnn-small');
  const pixels = new Float32Array(4 * 784);
  images.forEach((image, i) => pixels.set(image, i * 784));
  const rows = penultimateFeatures(model, pixels, 4, 3);
  assert.is(rows.length, 4);
  assert.ok(rows.every((r) => r.length === 128));
  assert.throws(() => penultimateFeatures(model, pixels, 5), /5 images need 3920 values, got 3136/);
  model.dispose();
});

test('no tensors leak from saliency, Grad-CAM, rollout or features', () => {
  const cnn = buildModel('cnn-small');
  const vit = buildModel('vit-tiny', { dim: 16, heads: 2 });
  const pixels = new Float32Array(4 * 784);
  images.forEach((image, i) => pixels.set(image, i * 784));
  const run = () => {
    saliencyMaps(cnn, images);
    gradCam(cnn, images);
    attentionRollout(vit, images);
    penultimateFeatures(vit, pixels, 4);
  };
  run();
  const before = tf.memory().numTensors;
  run();
  run();
  assert.is(tf.memory().numTensors, before);
  cnn.dispose();
  vit.dispose();
});

test('confusion trend: the most confused pairs summed over epochs, with counts and shares per epoch', () => {
  const epoch = (e: number, fours: number, threes: number): EpochMetrics => {
    const m = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    m[4][4] = 10 - fours;
    m[4][9] = fours;
    m[3][3] = 20 - threes;
    m[3][5] = threes;
    return { epoch: e, loss: 1, acc: 0, valLoss: 1, valAcc: 0, lr: 0, seconds: 1, valConfusion: m };
  };
  const trend = confusionTrend([epoch(1, 5, 4), epoch(2, 2, 3), { ...epoch(3, 0, 0), valConfusion: undefined }], 3);
  assert.equal(trend.epochs, [1, 2]);
  assert.equal(trend.pairs.map((p) => [p.trueLabel, p.predicted]), [[3, 5], [4, 9]]);
  assert.equal(trend.pairs[1].counts, [5, 2]);
  assert.equal(trend.pairs[1].rates, [0.5, 0.2]);
  assert.equal(confusionTrend([]), { epochs: [], pairs: [] });
});

test.run();
