import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { attentionMaps, attentionOverlayMaps, buildModel } from '../lib/models';
import { attentionOverlayFigure } from '../lib/plot/attention';
import { mnistSubset } from './helpers';

const options = { dim: 16, depth: 2, heads: 2 };
let images: Float32Array[];

test.before(async () => {
  await initBackend('wasm');
  const data = await mnistSubset(3, 1);
  images = [0, 1, 2].map((i) => Float32Array.from(data.train.images.slice(i * 784, (i + 1) * 784), (v) => v / 255));
});

/** Every map is a distribution over the gridSize² patches. */
function assertDistributions(maps: number[][][][], layers: number, heads: number, patches: number) {
  assert.is(maps.length, 3);
  for (const image of maps) {
    assert.is(image.length, layers);
    for (const layer of image) {
      assert.is(layer.length, heads);
      for (const head of layer) {
        assert.is(head.length, patches);
        assert.ok(head.every((a) => a >= 0));
        assert.ok(Math.abs(head.reduce((s, a) => s + a, 0) - 1) < 1e-5);
      }
    }
  }
}

test('class-token ViT: one map per image, layer and head over the 4×4 patches', () => {
  const model = buildModel('vit-tiny', { ...options, pool: 'cls' });
  const result = attentionMaps(model, images);
  assert.is(result.pool, 'cls');
  assert.is(result.gridSize, 4);
  assertDistributions(result.maps, 2, 2, 16);
  model.dispose();
});

test('mean-pooled ViT with the conv stem: mean attention over the 7×7 tokens', () => {
  const model = buildModel('vit-small', options);
  const result = attentionMaps(model, images);
  assert.is(result.pool, 'mean');
  assert.is(result.gridSize, 7);
  assertDistributions(result.maps, 2, 2, 49);
  model.dispose();
});

test('images as a tensor give the same maps as flat pixel arrays; nothing leaks', () => {
  const model = buildModel('vit-tiny', options);
  const batch = tf.tensor4d(Float32Array.from(images.flatMap((i) => Array.from(i))), [3, 28, 28, 1]);
  const before = tf.memory().numTensors;
  const fromTensor = attentionMaps(model, batch);
  assert.is(tf.memory().numTensors, before);
  assert.equal(attentionMaps(model, images).maps, fromTensor.maps);
  model.dispose();
});

test('attentionOverlayMaps feeds attentionOverlayFigure: per head, or one mean panel per layer', () => {
  const model = buildModel('vit-tiny', { ...options, depth: 3 });
  const attention = attentionMaps(model, images);
  const perHead = attentionOverlayMaps(attention, 1);
  assert.equal(perHead.maps.map((m) => m.title), ['layer 1 head 1', 'layer 1 head 2', 'layer 2 head 1', 'layer 2 head 2', 'layer 3 head 1', 'layer 3 head 2']);
  assert.equal(perHead.maps[2].attention, attention.maps[1][1][0]);
  const lastMean = attentionOverlayMaps(attention, 0, { layers: [3], meanOverHeads: true });
  assert.equal(lastMean.maps.map((m) => m.title), ['layer 3 (mean of heads)']);
  const [a, b] = attention.maps[0][2];
  (lastMean.maps[0].attention as number[]).forEach((v, p) => assert.ok(Math.abs(v - (a[p] + b[p]) / 2) < 1e-7));
  const figure = attentionOverlayFigure(images[0], lastMean.maps, { gridSize: lastMean.gridSize });
  assert.is(figure.data.length, 3); // the digit alone, then digit + attention
  assert.throws(() => attentionOverlayMaps(attention, 5), /no image 5 \(have 3\)/);
  assert.throws(() => attentionOverlayMaps(attention, 0, { layers: [4] }), /no layer 4 \(have 3\)/);
  model.dispose();
});

test('a model without attention layers is refused', () => {
  const cnn = buildModel('cnn-small');
  assert.throws(() => attentionMaps(cnn, images), /is not a ViT/);
  cnn.dispose();
});

test.run();
