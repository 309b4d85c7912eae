/**
 * The layers that run fused kernels on the oneDNN engine (lib/models/batch-norm.ts with the relu after it,
 * lib/models/activation.ts, lib/models/conv.ts, the
 * 'gelu' activation of lib/models/gelu.ts, the ViTs' LayerNorm and attention, and the softmax gradient): on onednn they match tfjs's own
 * computation run on the CPU backend, on other engines they are tfjs's bit for bit, they save as tfjs's
 * layers, and they leave no tensor behind. Without the addon only the other-engine checks run.
 */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAddon } from '../lib/backend/onednn/addon';
import { ONEDNN_BACKEND } from '../lib/backend/onednn';
import { initBackend } from '../lib/backend/select';
import { ATTENTION, BATCH_NORM_TRAIN } from '../lib/backend/fused-names';
import { activationLayer } from '../lib/models/activation';
import { batchNormalizationLayer } from '../lib/models/batch-norm';
import { conv2dLayer } from '../lib/models/conv';
import { Gelu } from '../lib/models/gelu';
import { LayerNorm, MultiHeadSelfAttention } from '../lib/models/vit-layers';
import { assertClose, assertNoLeak, rand, runOn } from './kernel-cases';

const available = 'addon' in loadAddon();

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/**
 * One training call of a batch-norm layer (scale, offset and moving statistics set from the seed) on an
 * input whose mean is far from 0: its output, the gradients of sum(y * dy) for x, gamma and beta, and the
 * moving mean and variance after the update.
 */
function batchNormTraining(make: (args: BatchNormArgs) => tf.layers.Layer, shape: number[], seed: number, args: BatchNormArgs = {}): tf.Tensor[] {
  const channels = shape[shape.length - 1];
  const layer = make(args);
  layer.build(shape);
  layer.setWeights([rand([channels], seed).add(1.5), rand([channels], seed + 1), rand([channels], seed + 2),
    tf.abs(rand([channels], seed + 3)).add(0.5)]);
  const x = tf.variable(rand(shape, seed + 4).mul(3).add(2));
  const dy = rand(shape, seed + 5);
  const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  const { grads } = tf.variableGrads(() => {
    y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [x, gamma, beta]);
  const moving = layer.getWeights().slice(2).map((w) => w.clone());
  const out = [y!, grads[x.name], grads[gamma.name], grads[beta.name], ...moving];
  x.dispose();
  for (const w of layer.weights) w.dispose();
  return out;
}

/** The weights layerGradients sets: from the seed, the first (a scale, for the norms) around 1. */
const seeded = (w: tf.Tensor, k: number, seed: number) => rand(w.shape, seed + k).add(k === 0 ? 1 : 0);

/** Output and gradients (input and every weight) of sum(layer(x) * dy) for a layer whose weights come from the seed. */
function layerGradients(layer: tf.layers.Layer, shape: number[], seed: number, init = seeded): tf.Tensor[] {
  layer.build(shape);
  layer.setWeights(layer.getWeights().map((w, k) => init(w, k, seed)));
  const x = tf.variable(rand(shape, seed + 10).mul(2).add(0.5));
  const dy = rand(layer.computeOutputShape(shape) as number[], seed + 11);
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  const { grads } = tf.variableGrads(() => {
    y = tf.keep(layer.apply(x) as tf.Tensor);
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [x, ...weights]);
  const out = [y!, grads[x.name], ...weights.map((w) => grads[w.name])];
  x.dispose();
  for (const w of layer.weights) w.dispose();
  return out;
}

/**
 * Batch norm then relu in training, as cnn-deep has them: output and the gradients of sum(y * dy) for x, gamma
 * and beta. `inModel`: the two layers in a model (the relu may join the batch norm); else the batch-norm layer
 * alone and tf.relu after it.
 */
function batchNormRelu(shape: number[], seed: number, inModel: boolean): tf.Tensor[] {
  const channels = shape[shape.length - 1];
  const norm = batchNormalizationLayer({ inputShape: shape.slice(1) });
  const model = inModel ? tf.sequential({ layers: [norm, activationLayer({ activation: 'relu' })] }) : null;
  if (!inModel) norm.build(shape);
  norm.setWeights([rand([channels], seed).add(1), rand([channels], seed + 1), rand([channels], seed + 2), tf.abs(rand([channels], seed + 3)).add(0.5)]);
  const x = tf.variable(rand(shape, seed + 4).mul(2));
  const dy = rand(shape, seed + 5);
  const [gamma, beta] = norm.trainableWeights.map((w) => w.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  const { grads } = tf.variableGrads(() => {
    const out = model ? model.apply(x, { training: true }) as tf.Tensor : tf.relu(norm.apply(x, { training: true }) as tf.Tensor);
    y = tf.keep(out);
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [x, gamma, beta]);
  const out = [y!, grads[x.name], grads[gamma.name], grads[beta.name]];
  x.dispose();
  for (const w of norm.weights) w.dispose();
  return out;
}

const geluDense = () => tf.layers.dense({ units: 24, activation: 'gelu' });

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
/** Input shape and layer arguments: relu with bias, linear without, valid and strided, one input channel, tanh (not fused). */
const convCases: Array<[number[], ConvArgs]> = [
  [[3, 9, 9, 4], { filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }],
  [[2, 10, 10, 3], { filters: 5, kernelSize: 3, padding: 'same', useBias: false }],
  [[2, 11, 11, 6], { filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }],
  [[4, 12, 12, 1], { filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu' }],
  [[2, 8, 8, 3], { filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }],
  // Channels in sixteens, unpadded: the filter and bias gradients on Winograd's kernel.
  [[2, 10, 10, 16], { filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu' }],
];

const stockBatchNorm = (args: BatchNormArgs): tf.layers.Layer => tf.layers.batchNormalization(args);

const shapes = [[16, 5], [7, 3], [2, 10, 6], [4, 6, 6, 3], [3, 5, 7, 32], [8, 28, 28, 32], [128, 256], [2, 9, 9, 64]];

test('on other engines the BatchNormalization layer is tfjs\'s, bit for bit', async () => {
  for (const backend of ['wasm', 'cpu']) {
    for (const shape of [[16, 5], [4, 6, 6, 3]]) {
      const bits = async (make: typeof stockBatchNorm) =>
        (await runOn(backend, () => batchNormTraining(make, shape, 40))).map((t) => Array.from(t.dataSync()));
      assert.equal(await bits(batchNormalizationLayer), await bits(stockBatchNorm), `${backend} ${shape}`);
    }
  }
});

test('the BatchNormalization layer saves as tfjs\'s, with the same config', () => {
  const ours = tf.sequential({ layers: [batchNormalizationLayer({ inputShape: [4, 4, 3], momentum: 0.9 })] });
  const stock = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [4, 4, 3], momentum: 0.9 })] });
  const layers = (m: tf.Sequential) => (m.toJSON(null, false) as unknown as { config: { layers: unknown[] } }).config.layers;
  const strip = (l: unknown) => JSON.parse(JSON.stringify(l).replace(/"name":"[^"]*"/g, '"name":""'));
  assert.is((layers(ours)[0] as { class_name: string }).class_name, 'BatchNormalization');
  assert.equal(layers(ours).map(strip), layers(stock).map(strip));
  ours.dispose();
  stock.dispose();
});

test('on other engines the Conv2D layer is tfjs\'s, bit for bit, and saves as tfjs\'s with the same config', async () => {
  for (const backend of ['wasm', 'cpu']) {
    for (const [shape, args] of convCases.slice(0, 3)) {
      const bits = async (make: (a: ConvArgs) => tf.layers.Layer) =>
        (await runOn(backend, () => layerGradients(make(args), shape, 120))).map((t) => Array.from(t.dataSync()));
      assert.equal(await bits(conv2dLayer), await bits((a) => tf.layers.conv2d(a)), `${backend} ${shape}`);
    }
  }
  const layers = (m: tf.Sequential) => (m.toJSON(null, false) as unknown as { config: { layers: unknown[] } }).config.layers;
  const strip = (l: unknown) => JSON.parse(JSON.stringify(l).replace(/"name":"[^"]*"/g, '"name":""'));
  const args: ConvArgs = { inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' };
  const [ours, stock] = [conv2dLayer(args), tf.layers.conv2d(args)].map((layer) => tf.sequential({ layers: [layer] }));
  assert.is((layers(ours)[0] as { class_name: string }).class_name, 'Conv2D');
  assert.equal(layers(ours).map(strip), layers(stock).map(strip));
  ours.dispose();
  stock.dispose();
});

test('the Activation layer saves as tfjs\'s, and batch norm then relu computes tfjs\'s on other engines, bit for bit', async () => {
  const ours = tf.sequential({ layers: [activationLayer({ inputShape: [3], activation: 'relu' })] });
  const json = (ours.toJSON(null, false) as unknown as { config: { layers: Array<{ class_name: string; config: { activation: string } }> } }).config.layers[0];
  assert.is(json.class_name, 'Activation');
  assert.is(json.config.activation, 'relu');
  ours.dispose();
  for (const backend of ['wasm', 'cpu']) {
    const bits = async (inModel: boolean) => (await runOn(backend, () => batchNormRelu([4, 6, 6, 3], 160, inModel))).map((t) => Array.from(t.dataSync()));
    assert.equal(await bits(true), await bits(false), backend);
  }
});

test('the gelu activation is ours, saves as tfjs\'s \'gelu\', and elsewhere computes what tfjs\'s does, bit for bit', async () => {
  const dense = geluDense();
  assert.instance((dense as unknown as { activation: unknown }).activation, Gelu);
  assert.is(dense.getConfig().activation, 'gelu');
  const stockGelu = Object.getPrototypeOf(Gelu) as new () => Gelu;
  for (const backend of ['wasm', 'cpu']) {
    const run = (make: () => Gelu) => runOn(backend, () => tf.grad((x: tf.Tensor) => make().apply(x).mul(rand([300], 71)).sum())(rand([300], 70).mul(4)));
    const [ours, stock] = [await run(() => new Gelu()), await run(() => new stockGelu())];
    assert.equal(Array.from(ours[0].dataSync()), Array.from(stock[0].dataSync()), backend);
  }
});

type PoolArgs = Parameters<typeof tf.layers.maxPooling2d>[0];

/** The blocks that end in a relu before max pooling: ours (fused on onednn) or tfjs's stock layers. */
const reluBlocks: Record<string, (ours: boolean, filters: number) => tf.layers.Layer[]> = {
  'relu convolution': (ours, filters) => [(ours ? conv2dLayer : tf.layers.conv2d)({ filters, kernelSize: 3, padding: 'same', activation: 'relu' })],
  'convolution, batch norm, relu': (ours, filters) => [
    (ours ? conv2dLayer : tf.layers.conv2d)({ filters, kernelSize: 3, padding: 'same', useBias: false }),
    ours ? batchNormalizationLayer() : tf.layers.batchNormalization(),
    (ours ? activationLayer : tf.layers.activation)({ activation: 'relu' }),
  ],
};

/**
 * A relu block then max pooling, as the CNNs' blocks end: the pooled output and the gradients of
 * sum(pooled * dy) for the input and every weight, in training. Weights and the input centred below zero
 * leave whole windows at zero, where the relu's gradient folded into the pooling's must pass nothing.
 */
function reluPoolGradients(block: tf.layers.Layer[], pool: PoolArgs, shape: number[], seed: number): tf.Tensor[] {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: shape.slice(1) }), ...block, tf.layers.maxPooling2d(pool)] });
  model.setWeights(model.getWeights().map((w, k) => rand(w.shape, seed + k).sub(0.3)));
  const x = tf.variable(rand(shape, seed + 20).sub(0.2));
  const dy = rand(model.outputs[0].shape.map((d) => d ?? shape[0]), seed + 21);
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  const { grads } = tf.variableGrads(() => {
    y = tf.keep(model.apply(x, { training: true }) as tf.Tensor);
    return tf.sum(tf.mul(y, dy)) as tf.Scalar;
  }, [x, ...weights]);
  const out = [y!, grads[x.name], ...weights.map((w) => grads[w.name])];
  x.dispose();
  model.dispose();
  return out;
}

/** 2×2 windows that tile the image, windows that overlap with padding, and a side the windows do not cover. */
/**
 * [batch, tokens, dim] and heads: the ViTs' (50 tokens with a class token, 49 without), head sizes of one to four
 * whole vectors (16, 32, 48, 64) and others (2, 4, 12, 24), one token, more tokens than the kernel's unrolled
 * score rows (130).
 */
const attentionCases: Array<[number[], number]> = [
  [[3, 50, 64], 4], [[2, 49, 64], 4], [[1, 17, 48], 4], [[2, 5, 8], 2], [[4, 9, 24], 1], [[2, 1, 16], 2],
  [[2, 7, 64], 2], [[2, 5, 96], 2], [[2, 9, 64], 1], [[1, 130, 16], 8],
];

/** Input shape, pooling and the block's filters: 16 filters give the 2×2 pooling's whole vectors of channels. */
const reluPoolCases: Array<[number[], PoolArgs, number]> = [
  [[4, 8, 8, 3], { poolSize: 2 }, 5],
  [[3, 9, 9, 2], { poolSize: 3, strides: 2, padding: 'same' }, 4],
  [[2, 7, 7, 3], { poolSize: 2 }, 5],
  [[2, 6, 6, 3], { poolSize: 2 }, 16],
];

if (!available) {
  test.run();
} else {
  test.before(async () => {
    await initBackend('onednn', { threads: 2 });
  });

  test('BatchNormalization in training matches tfjs\'s layer on cpu: output, every gradient, moving statistics', async () => {
    for (const shape of shapes) {
      for (const args of [{}, { momentum: 0, epsilon: 1e-5 }]) {
        const expected = await runOn('cpu', () => batchNormTraining(stockBatchNorm, shape, 41, args));
        const actual = await runOn(ONEDNN_BACKEND, () => batchNormTraining(batchNormalizationLayer, shape, 41, args));
        assertClose(actual, expected, `batch norm ${shape} ${JSON.stringify(args)}`);
      }
    }
  });

  test('a relu after batch norm joins its kernels: the bits of batch norm then tf.relu, no Relu kernel either way', async () => {
    for (const shape of [[4, 6, 6, 3], [8, 28, 28, 32], [128, 256], [5, 7]]) {
      const bits = async (inModel: boolean) => (await runOn(ONEDNN_BACKEND, () => batchNormRelu(shape, 170, inModel))).map((t) => Array.from(new Uint32Array(t.dataSync().buffer)));
      assert.equal(await bits(true), await bits(false), `${shape}`);
      assertClose(await runOn(ONEDNN_BACKEND, () => batchNormRelu(shape, 171, true)), await runOn('cpu', () => batchNormRelu(shape, 171, true)), `batch norm relu ${shape}`);
    }
    const { kernels } = await tf.profile(() => batchNormRelu([4, 6, 6, 3], 172, true));
    const names = kernels.map((k) => k.name);
    assert.not.ok(names.includes(tf.Relu) || names.includes('PixelwiseReluGrad'), names.join(' '));
    assertNoLeak('batch norm relu', () => batchNormRelu([4, 6, 6, 3], 173, true));
  });

  test('the fused batch-norm gradient includes what reaches the batch statistics', async () => {
    const [shape, channels] = [[6, 5, 5, 4], 4];
    const loss = (stats: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor[]) => () => {
      const dy = [rand(shape, 51), rand([channels], 52), rand([channels], 53)];
      return tf.grads((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
        tf.addN(stats(x, gamma, beta).map((t, k) => tf.sum(tf.mul(t, dy[k])))))([rand(shape, 54).add(1), rand([channels], 55), rand([channels], 56)]);
    };
    const expected = await runOn('cpu', loss((x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return [tf.batchNorm(x, mean, variance, beta, gamma, 1e-3), mean, variance];
    }));
    const actual = await runOn(ONEDNN_BACKEND, loss((x, scale, offset) =>
      tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale, offset }, { epsilon: 1e-3 }) as tf.Tensor[]));
    assertClose(actual, expected, 'gradients through y, mean and variance');
  });

  test('LayerNorm matches its composed form on cpu: output and every gradient', async () => {
    for (const shape of [[3, 5, 8], [128, 49, 64], [2, 7, 130], [40, 1]]) {
      const make = () => layerGradients(new LayerNorm({ epsilon: 1e-6 }), shape, 80);
      assertClose(await runOn(ONEDNN_BACKEND, make), await runOn('cpu', make), `layer norm ${shape}`);
    }
  });

  test('MultiHeadSelfAttention runs one kernel each way and matches its composed form on cpu: output and every gradient', async () => {
    for (const [shape, heads] of attentionCases) {
      // Weights of glorot's size: larger ones saturate the softmax, where both sides' gradients are rounding.
      const make = () => layerGradients(new MultiHeadSelfAttention({ heads }), shape, 85, (w, k, seed) => rand(w.shape, seed + k).mul(0.3));
      assertClose(await runOn(ONEDNN_BACKEND, make), await runOn('cpu', make), `attention ${shape}, ${heads} heads`);
      const { kernels } = await tf.profile(make);
      const names = kernels.map((k) => k.name);
      assert.is(names.filter((n) => n === ATTENTION || n === 'PixelwiseAttentionGrad').length, 2, names.join(' '));
      assert.not.ok(names.includes(tf.Softmax) || names.includes(tf.Transpose), names.join(' '));
    }
  });

  test('the attention kernel\'s log-sum-exp output has its gradient too', async () => {
    const [batch, tokens, heads, headDim] = [2, 7, 2, 4];
    const scale = 1 / Math.sqrt(headDim);
    const qkv = rand([batch, tokens, 3 * heads * headDim], 86).mul(2);
    const [dy, dLse] = [rand([batch, tokens, heads * headDim], 87), rand([batch, heads, tokens], 88)];
    const fused = () => tf.grad((t: tf.Tensor) => {
      const [y, lse] = tf.engine().runKernel(ATTENTION, { qkv: t }, { heads, scale }) as tf.Tensor[];
      return tf.add(tf.sum(tf.mul(y, dy)), tf.sum(tf.mul(lse, dLse)));
    })(qkv);
    const composed = () => tf.grad((t: tf.Tensor) => {
      const [q, k, v] = tf.split(t.reshape([batch, tokens, 3, heads, headDim]).transpose([2, 0, 3, 1, 4]), 3, 0)
        .map((u) => u.reshape([batch, heads, tokens, headDim]));
      const scores = tf.matMul(q, k, false, true).mul(scale);
      const y = tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape(dy.shape);
      return tf.add(tf.sum(tf.mul(y, dy)), tf.sum(tf.mul(tf.logSumExp(scores, -1), dLse)));
    })(qkv);
    assertClose(await runOn(ONEDNN_BACKEND, fused), await runOn('cpu', composed), 'd(y·dy + logSumExp·dLse)/dqkv');
  });

  test('a gelu dense layer and the softmax gradient match cpu', async () => {
    for (const shape of [[5, 7], [128, 49, 64]]) {
      const make = () => layerGradients(geluDense(), shape, 90);
      assertClose(await runOn(ONEDNN_BACKEND, make), await runOn('cpu', make), `gelu dense ${shape}`);
    }
    const special = tf.tensor1d([0, -0, 1e-4, -1e-4, 6, -6, 12, -12, 30, -30, NaN, Infinity]);
    const geluOf = () => tf.grad((x: tf.Tensor) => new Gelu().apply(x).mul(rand([12], 93)).sum())(special).concat(new Gelu().apply(special));
    assertClose(await runOn(ONEDNN_BACKEND, geluOf), await runOn('cpu', geluOf), 'gelu at special values');
    for (const shape of [[3, 7], [5, 1], [16, 4, 49, 49]]) {
      const make = () => tf.grad((x: tf.Tensor) => tf.softmax(x).mul(rand(shape, 94)).sum())(rand(shape, 95).mul(3));
      assertClose(await runOn(ONEDNN_BACKEND, make), await runOn('cpu', make), `softmax gradient ${shape}`);
    }
  });

  test('the Conv2D layer matches tfjs\'s on cpu: output and the input, kernel and bias gradients', async () => {
    for (const [shape, args] of convCases) {
      const make = () => layerGradients(conv2dLayer(args), shape, 130);
      assertClose(await runOn(ONEDNN_BACKEND, make), await runOn('cpu', () => layerGradients(tf.layers.conv2d(args), shape, 130)), `conv ${shape} ${JSON.stringify(args)}`);
    }
  });

  test('a first Conv2D layer runs one kernel forward, computes no gradient for the image, and takes its bias gradient with its filter gradient', async () => {
    for (const args of convCases.slice(0, 2).map(([, a]) => a)) {
      const layer = conv2dLayer(args);
      layer.build([2, 9, 9, 4]);
      const x = rand([2, 9, 9, 4], 140);
      const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { kernels } = await tf.profile(() => tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, weights).value);
      const names = kernels.map((k) => k.name);
      assert.is(names.filter((n) => n === tf.Conv2DBackpropInput).length, 0, names.join(' '));
      const filterGradient = layer.getConfig().useBias ? 'PixelwiseConv2DBackpropFilterBias' : tf.Conv2DBackpropFilter;
      assert.is(names.filter((n) => n === filterGradient).length, 1, names.join(' '));
      // The forward's Sum is the loss; the bias gradient adds none.
      assert.is(names.filter((n) => n === tf.Sum).length, 1, names.join(' '));
      assert.not.ok(names.includes(tf.Add) || names.includes(tf.Relu) || names.includes(tf.Conv2D), names.join(' '));
      tf.dispose([x, ...layer.weights.map((w) => w.read())]);
    }
  });

  test('max pooling after a relu folds the relu\'s gradient into its own and matches tfjs\'s layers on cpu', async () => {
    for (const [name, block] of Object.entries(reluBlocks)) {
      for (const [shape, pool, filters] of reluPoolCases) {
        const what = `${name}, ${shape}, ${JSON.stringify(pool)}, ${filters} filters`;
        const actual = await runOn(ONEDNN_BACKEND, () => reluPoolGradients(block(true, filters), pool, shape, 180));
        assertClose(actual, await runOn('cpu', () => reluPoolGradients(block(false, filters), pool, shape, 180)), what);
        const { kernels } = await tf.profile(() => reluPoolGradients(block(true, filters), pool, shape, 181));
        const names = kernels.map((k) => k.name);
        assert.ok(names.includes('PixelwiseMaxPoolGradRelu'), `${what}: ${names.join(' ')}`);
        assert.not.ok(names.includes(tf.MaxPoolGrad) || names.includes('PixelwiseReluGrad'), `${what}: ${names.join(' ')}`);
      }
    }
    assertNoLeak('relu then max pooling', () => reluPoolGradients(reluBlocks['relu convolution'](true, reluPoolCases[0][2]), reluPoolCases[0][1], reluPoolCases[0][0], 182));
  });

  test('the gradient of max pooling for a relu output made outside the tape is the plain one', async () => {
    const shape = [2, 6, 6, 3];
    const gradient = (make: typeof conv2dLayer) => () => {
      const layer = make({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' });
      layer.build(shape);
      layer.setWeights(layer.getWeights().map((w, k) => rand(w.shape, 190 + k).sub(0.3)));
      const h = layer.apply(rand(shape, 192)) as tf.Tensor4D;
      const dy = rand([2, 3, 3, 4], 193);
      const dh = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').mul(dy).sum())(h);
      tf.dispose(layer.weights.map((w) => w.read()));
      return [h, dh, tf.maxPool(h, 2, 2, 'valid')];
    };
    const [h, dh, pooled] = await runOn(ONEDNN_BACKEND, gradient(conv2dLayer));
    assert.ok(Array.from(pooled.dataSync()).some((v) => v === 0), 'some windows are all zeros');
    assertClose([h, dh], (await runOn('cpu', gradient((a) => tf.layers.conv2d(a)))).slice(0, 2), 'dh');
  });

  test('the fused conv, layer norm, attention, gelu and softmax gradient leave no tensor behind', () => {
    assertNoLeak('conv relu', () => layerGradients(conv2dLayer(convCases[0][1]), convCases[0][0], 150));
    assertNoLeak('conv linear', () => layerGradients(conv2dLayer(convCases[1][1]), convCases[1][0], 151));
    assertNoLeak('layer norm', () => layerGradients(new LayerNorm(), [8, 49, 64], 100));
    assertNoLeak('attention', () => layerGradients(new MultiHeadSelfAttention({ heads: 4 }), [8, 49, 64], 103));
    assertNoLeak('gelu dense', () => layerGradients(geluDense(), [8, 49, 64], 101));
    assertNoLeak('softmax gradient', () => tf.grad((x: tf.Tensor) => tf.softmax(x).sum())(rand([8, 49], 102)));
  });

  test('a BatchNormalization training step leaves no tensor behind and repeats exactly', async () => {
    const step = () => batchNormTraining(batchNormalizationLayer, [8, 28, 28, 32], 60);
    assertNoLeak('batch norm training', step);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(step));
    assert.is(tf.memory().numTensors, before, 'numTensors flat');
    const run = async () => (await runOn(ONEDNN_BACKEND, step)).map((t) => Array.from(t.dataSync()));
    assert.equal(await run(), await run());
  });

  test('the fused normalisations, a first convolution\'s filter gradient and Winograd\'s convolutions give the same bits on one thread as on two', async () => {
    const bits = async (threads: number) => {
      await initBackend('onednn', { threads });
      const make = () => [...batchNormTraining(batchNormalizationLayer, [8, 28, 28, 32], 110), ...layerGradients(new LayerNorm(), [64, 49, 64], 111),
        ...layerGradients(conv2dLayer({ filters: 32, kernelSize: 3, padding: 'same' }), [16, 28, 28, 1], 112),
        ...layerGradients(conv2dLayer({ filters: 32, kernelSize: 3, padding: 'valid' }), [16, 14, 14, 16], 113)];
      return (await runOn(ONEDNN_BACKEND, make)).map((t) => Array.from(new Uint32Array(t.dataSync().buffer)));
    };
    const one = await bits(1);
    assert.equal(await bits(2), one);
  });

  test.run();
}
