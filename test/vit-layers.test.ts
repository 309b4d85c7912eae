import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { buildVit, vitConfig, VIT_PRESETS } from '../lib/models/vit';
import { ClassToken, LayerNorm, MultiHeadSelfAttention, PatchEmbedding, PositionEmbedding, TokenPooling } from '../lib/models/vit-layers';
import { classificationLoss } from '../lib/train/step';

test.before(async () => {
  await initBackend('wasm');
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.is(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

/** Applies a layer to a concrete tensor, building it for that shape. */
const run = (layer: tf.layers.Layer, x: tf.Tensor) => layer.apply(x) as tf.Tensor;

test('PatchEmbedding: one token per patch in row-major patch order', () => {
  const layer = new PatchEmbedding({ patchSize: 7, dim: 3 });
  const image = tf.tensor4d(Array.from({ length: 28 * 28 }, (_, i) => Math.floor(i / 28) * 100 + (i % 28)), [1, 28, 28, 1]);
  const tokens = run(layer, tf.concat([image, tf.zeros([1, 28, 28, 1])]));
  assert.equal(tokens.shape, [2, 16, 3]);
  // Kernel of ones, zero bias: every token channel is the sum of its 7×7 patch.
  layer.setWeights([tf.ones([7, 7, 1, 3]), tf.zeros([3])]);
  const sums = (run(layer, image).arraySync() as number[][][])[0].map((t) => t[0]);
  const patchSum = (row: number, col: number) => {
    let sum = 0;
    for (let y = row * 7; y < row * 7 + 7; y++) for (let x = col * 7; x < col * 7 + 7; x++) sum += y * 100 + x;
    return sum;
  };
  close(sums, Array.from({ length: 16 }, (_, i) => patchSum(Math.floor(i / 4), i % 4)), 1e-2);
});

test('PatchEmbedding refuses a patch size that does not divide the input', () => {
  assert.throws(() => run(new PatchEmbedding({ patchSize: 5, dim: 4 }), tf.zeros([1, 28, 28, 1])), /patch size 5 does not divide the 28×28 input/);
});

test('ClassToken prepends the same learned token to every image', () => {
  const layer = new ClassToken({});
  const x = tf.randomNormal([3, 5, 4]);
  const out = run(layer, x);
  assert.equal(out.shape, [3, 6, 4]);
  const token = Array.from(layer.getWeights()[0].dataSync());
  for (let b = 0; b < 3; b++) close(out.slice([b, 0, 0], [1, 1, 4]).dataSync(), token);
  close(out.slice([0, 1, 0], [3, 5, 4]).dataSync(), x.dataSync());
});

test('PositionEmbedding adds one learned vector per position', () => {
  const layer = new PositionEmbedding({});
  const x = tf.randomNormal([2, 5, 4]);
  const out = run(layer, x);
  assert.equal(out.shape, [2, 5, 4]);
  close(out.dataSync(), tf.add(x, layer.getWeights()[0]).dataSync());
});

test('LayerNorm: every token comes out with mean 0 and variance 1, then scale and shift', () => {
  const layer = new LayerNorm({});
  const x = tf.add(tf.mul(tf.randomNormal([2, 7, 16]), 5), 3);
  const { mean, variance } = tf.moments(run(layer, x), -1);
  close(mean.dataSync(), new Float32Array(14), 1e-5);
  close(variance.dataSync(), new Float32Array(14).fill(1), 1e-3);
  layer.setWeights([tf.fill([16], 2), tf.fill([16], 0.5)]);
  const shifted = tf.moments(run(layer, x), -1);
  close(shifted.mean.dataSync(), new Float32Array(14).fill(0.5), 1e-5);
  close(shifted.variance.dataSync(), new Float32Array(14).fill(4), 4e-3);
});

test('MultiHeadSelfAttention keeps the shape; its attention rows are distributions', () => {
  const layer = new MultiHeadSelfAttention({ heads: 4 });
  const x = tf.randomNormal([2, 9, 16]) as tf.Tensor3D;
  assert.equal(run(layer, x).shape, [2, 9, 16]);
  const weights = layer.attentionWeights(x);
  assert.equal(weights.shape, [2, 4, 9, 9]);
  assert.ok(weights.min().dataSync()[0] >= 0);
  close(weights.sum(-1).dataSync(), new Float32Array(2 * 4 * 9).fill(1), 1e-5);
});

test('MultiHeadSelfAttention matches softmax(q·kᵀ/√d)·v computed by hand for one head', () => {
  const layer = new MultiHeadSelfAttention({ heads: 1 });
  const x = tf.randomNormal([1, 3, 2]) as tf.Tensor3D;
  run(layer, x);
  const eye = tf.eye(2);
  layer.setWeights([eye, eye, eye, eye, tf.zeros([2])]);
  const t = x.reshape([3, 2]) as tf.Tensor2D;
  const expected = tf.matMul(tf.softmax(tf.div(tf.matMul(t, t, false, true), Math.sqrt(2))), t);
  close(run(layer, x).dataSync(), expected.dataSync());
});

test('MultiHeadSelfAttention refuses a width not divisible by the heads', () => {
  assert.throws(() => run(new MultiHeadSelfAttention({ heads: 3 }), tf.zeros([1, 4, 8])), /dim 8 is not divisible by 3 heads/);
});

test('TokenPooling takes the class token or the mean of the tokens', () => {
  const x = tf.randomNormal([2, 5, 4]);
  const cls = run(new TokenPooling({ pool: 'cls' }), x);
  assert.equal(cls.shape, [2, 4]);
  close(cls.dataSync(), x.slice([0, 0, 0], [2, 1, 4]).dataSync());
  close(run(new TokenPooling({ pool: 'mean' }), x).dataSync(), x.mean(1).dataSync());
});

test('ViTs have the same gradients on WASM as on the CPU backend (patch stem + class token, conv stem + mean)', async () => {
  const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = tf.tensor1d([0, 3, 5, 9], 'int32');
  // No dropout: its random masks would differ between the two backends.
  const small = { dim: 16, depth: 1, heads: 2, dropout: 0 };
  for (const config of [{ ...VIT_PRESETS['vit-tiny'], ...small, pool: 'cls' as const }, { ...VIT_PRESETS['vit-small'], ...small, pool: 'mean' as const }]) {
    const model = buildVit(vitConfig(config));
    const gradients = () => {
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => classificationLoss(model.apply(images, { training: true }) as tf.Tensor, labels, 0.1), variables);
      return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, Array.from(g.dataSync())]));
    };
    const onWasm = gradients();
    await tf.setBackend('cpu');
    try {
      const onCpu = gradients();
      assert.equal(Object.keys(onWasm), Object.keys(onCpu));
      for (const name of Object.keys(onCpu)) {
        const scale = Math.max(1e-3, ...onCpu[name].map(Math.abs));
        onCpu[name].forEach((g, i) => assert.ok(Math.abs(g - onWasm[name][i]) <= 1e-3 * scale, `${config.stem} ${name}[${i}]: cpu ${g}, wasm ${onWasm[name][i]}`));
      }
    } finally {
      await tf.setBackend('wasm');
    }
    model.dispose();
  }
});

test.run();
