/**
 * The oneDNN engine: every kernel it replaces checked against the CPU backend (tfjs's reference) on the
 * shapes the WASM training kernels are checked on and more, the fused kernels against the WASM backend
 * bit for bit, no leaks, determinism, and the fallback when the addon is absent.
 * Without the addon (no libdnnl-dev) the file says so and checks only the fallback; CI sets
 * PIXELWISE_REQUIRE_ONEDNN=1 so that a missing addon fails there instead.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HIDE_ADDON_ENV, loadAddon } from '../lib/backend/onednn/addon';
import { ONEDNN_BACKEND, ONEDNN_KERNELS } from '../lib/backend/onednn';
import { initBackend } from '../lib/backend/select';
import { DROPOUT_MASK } from '../lib/backend/fused-names';
import { dropoutLayer } from '../lib/models/dropout';
import { createOptimizer } from '../lib/train/optimizer';
import { PROJECT_ROOT } from '../lib/util/paths';
import {
  assertClose, assertNoLeak, attentionBlockGradients, compare, compareBackpropFilter, compareBackpropInput, convCases, convPoolDenseGradients, label, matMulCases,
  poolCases, rand, runOn, winogradConvCases,
} from './kernel-cases';

const found = loadAddon();
const available = 'addon' in found;

test('without the addon, the best engine is a WASM one and asking for onednn names the reason', () => {
  const script = `
    const { initBackend } = require('./lib/backend/select');
    (async () => {
      const best = await initBackend();
      let refused = '';
      try { await initBackend('onednn'); } catch (err) { refused = err.message; }
      console.log(JSON.stringify({ best: best.name, refused }));
    })();`;
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', script],
    { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, [HIDE_ADDON_ENV]: '1' } });
  assert.is(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim().split('\n').pop()!);
  assert.ok(['node', 'wasm-threaded'].includes(out.best), `picked ${out.best}`);
  assert.match(out.refused, `backend "onednn" is not available: hidden by ${HIDE_ADDON_ENV}`);
});

if (!available) {
  const why = (found as { reason: string }).reason;
  if (process.env.PIXELWISE_REQUIRE_ONEDNN) {
    test('the oneDNN addon is built', () => assert.unreachable(`PIXELWISE_REQUIRE_ONEDNN is set but ${why}`));
  } else {
    process.stderr.write(`backend-onednn: oneDNN kernel tests not run: ${why}\n`);
  }
  test.run();
} else {
  test.before(async () => {
    await initBackend('onednn', { threads: 2 });
  });

  test('registers a onednn backend with every WASM kernel and its replacements', async () => {
    const info = await initBackend('onednn', { threads: 2 });
    assert.is(tf.getBackend(), ONEDNN_BACKEND);
    assert.is(info.threads, 2);
    assert.match(info.detail, /oneDNN \d+\.\d+\.\d+/);
    for (const k of tf.getKernelsForBackend('wasm')) assert.ok(tf.getKernel(k.kernelName, ONEDNN_BACKEND), k.kernelName);
    for (const name of [tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter, tf.BatchMatMul,
      tf._FusedMatMul, tf.MaxPool, tf.MaxPoolGrad, tf.AvgPool, tf.AvgPoolGrad, tf.Sum, tf.Add, tf.Multiply, tf.Relu, tf.Transpose, tf.Slice, tf.SplitV, tf.Softmax]) {
      assert.ok(ONEDNN_KERNELS.includes(name), name);
      assert.is.not(tf.getKernel(name, ONEDNN_BACKEND).kernelFunc, tf.getKernel(name, 'wasm').kernelFunc, name);
    }
  });

  test('Conv2D and fused Conv2D (bias, every activation) match cpu', async () => {
    for (const c of convCases) {
      await compare(`conv2d ${label(c)}`, () => tf.conv2d(rand(c.x, 1) as tf.Tensor4D, rand(c.f, 2) as tf.Tensor4D, c.strides, c.pad));
    }
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const) {
      for (const c of [...convCases.slice(0, 8), ...winogradConvCases]) {
        await compare(`fused conv2d ${activation} ${label(c)}`, () => tf.fused.conv2d({
          x: rand(c.x, 3) as tf.Tensor4D, filter: rand(c.f, 4) as tf.Tensor4D, strides: c.strides, pad: c.pad,
          bias: rand([c.f[3]], 5), activation, leakyreluAlpha: 0.1,
        }));
      }
    }
    await compare('dilated conv2d', () => tf.conv2d(rand([2, 9, 9, 3], 6) as tf.Tensor4D, rand([3, 3, 3, 4], 7) as tf.Tensor4D, 1, 'same', 'NHWC', 2));
  });

  test('Conv2D gradients (input and filter) match cpu', async () => {
    await compareBackpropFilter();
    await compareBackpropInput();
  });

  test('max and average pooling and their gradients match cpu', async () => {
    for (const c of poolCases) {
      const outShape = tf.backend_util.computePool2DInfo(c.x, c.size, c.strides, 1, c.pad).outShape;
      const what = `x ${c.x} size ${c.size} strides ${c.strides} ${c.pad}`;
      await compare(`maxPool ${what}`, () => tf.maxPool(rand(c.x, 7) as tf.Tensor4D, c.size, c.strides, c.pad));
      await compare(`avgPool ${what}`, () => tf.avgPool(rand(c.x, 8) as tf.Tensor4D, c.size, c.strides, c.pad));
      for (const pool of [tf.maxPool, tf.avgPool]) {
        await compare(`${pool.name} grad ${what}`, () => tf.grad((t: tf.Tensor) =>
          pool(t as tf.Tensor4D, c.size, c.strides, c.pad).mul(rand(outShape, 10)).sum())(rand(c.x, 9)));
      }
      // Rounded inputs tie within windows (as relu's zeros do): the gradient goes to the first maximum, as on cpu.
      await compare(`maxPool grad with ties ${what}`, () => tf.grad((t: tf.Tensor) =>
        tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad).mul(rand(outShape, 11)).sum())(tf.round(rand(c.x, 12))));
    }
  });

  test('2×2 max pooling passes over NaN as cpu does, forward and backward, a window of NaNs included', async () => {
    const shape: [number, number, number, number] = [2, 4, 4, 16];
    const withNaN = () => {
      const x = rand(shape, 13);
      // Every value below -1 and the whole first window of the first image become NaN.
      const firstWindow = tf.buffer(shape, 'bool');
      for (const [row, column] of [[0, 0], [0, 1], [1, 0], [1, 1]]) for (let c = 0; c < shape[3]; c++) firstWindow.set(true, 0, row, column, c);
      return tf.where(tf.logicalOr(tf.less(x, -1), firstWindow.toTensor()), tf.fill(shape, NaN), x) as tf.Tensor4D;
    };
    await compare('maxPool with NaN', () => tf.maxPool(withNaN(), 2, 2, 'valid'));
    await compare('maxPool grad with NaN', () => tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').mul(rand([2, 2, 2, 16], 14)).sum())(withNaN()));
  });

  test('BatchMatMul and fused MatMul match cpu (transposes, batches, broadcasting, bias, activation)', async () => {
    for (const [a, b, ta, tb] of matMulCases) {
      await compare(`matMul ${a} x ${b} transposeA=${ta} transposeB=${tb}`, () => tf.matMul(rand(a, 11), rand(b, 12), ta, tb));
    }
    for (const [a, b, ta, tb] of matMulCases.slice(0, 4)) {
      const n = tb ? b[0] : b[1];
      for (const activation of ['linear', 'relu', 'elu'] as const) {
        await compare(`fused matMul ${a} x ${b} ${activation}`, () => tf.fused.matMul({
          a: rand(a, 13) as tf.Tensor2D, b: rand(b, 14) as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: rand([n], 15), activation,
        }));
      }
    }
    // Batch dims broadcast in two directions: not a oneDNN case, the WASM kernel runs (checked against tiling).
    const expected = await runOn('cpu', () =>
      tf.matMul(tf.tile(rand([2, 1, 5, 7], 13), [1, 3, 1, 1]), tf.tile(rand([1, 3, 7, 4], 14), [2, 1, 1, 1])));
    assertClose(await runOn(ONEDNN_BACKEND, () => tf.matMul(rand([2, 1, 5, 7], 13), rand([3, 7, 4], 14))), expected, 'broadcast both ways');
  });

  test('elementwise kernels and sums match cpu (same shape, broadcasts either side, scalars, big tensors)', async () => {
    const pairs: Array<[number[], number[]]> = [
      [[4, 5], [4, 5]], [[4, 5], [5]], [[5], [4, 5]], [[4, 5], [4, 1]], [[4, 1], [4, 5]], [[4, 5], []], [[], [4, 5]],
      [[2, 3, 4, 5], [1, 1, 1, 5]], [[2, 3, 4, 5], [2, 3, 1, 1]], [[2, 3, 4, 5], [3, 4, 5]], [[2, 3, 4, 5], [3, 1, 5]],
      [[128, 49, 1], [128, 49, 64]], [[6, 1], [1, 7]], [[1, 7], [6, 1]], [[64, 24, 24, 32], []],
      [[64, 24, 24, 32], [32]], [[64, 24, 24, 32], [64, 24, 24, 32]],
    ];
    for (const [a, b] of pairs) {
      for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
        await compare(`${op.name} ${a} with ${b}`, () => op(rand(a, 16), rand(b, 17).add(b.length ? 2 : 3)));
      }
    }
    const x = () => tf.concat([rand([1000], 18), tf.tensor1d([0, -0, NaN, Infinity, -Infinity])]);
    const positive = (t: tf.Tensor) => tf.add(tf.abs(t), 1e-3);
    for (const op of [tf.relu, (t: tf.Tensor) => tf.step(t, 0.3), tf.square, (t: tf.Tensor) => tf.sqrt(tf.abs(t)), tf.neg, tf.exp,
      tf.erf, tf.tanh, (t: tf.Tensor) => tf.rsqrt(positive(t)), (t: tf.Tensor) => tf.log(positive(t))]) {
      await compare(`unary ${op.name}`, () => op(x()));
    }
    await compare('cast bool to float', () => tf.cast(tf.greater(rand([70000], 19), 0), 'float32'));
    for (const [shape, axis, keepDims] of [
      [[6, 5], 0, false], [[6, 5], 1, true], [[4, 5, 6, 7], [0, 1, 2], false], [[4, 5, 6, 7], [2, 3], true],
      [[64, 24, 24, 32], [0, 1, 2], false], [[4, 5, 6], [1], false], [[7], 0, false],
    ] as Array<[number[], number | number[], boolean]>) {
      await compare(`sum ${shape} axis ${axis}`, () => tf.sum(rand(shape, 20), axis, keepDims));
      await compare(`mean ${shape} axis ${axis}`, () => tf.mean(rand(shape, 21), axis, keepDims));
    }
    for (const [shape, reps] of [[[1, 1, 1, 5], [4, 3, 2, 1]], [[2, 3], [2, 2]], [[3], [4]], [[2, 1, 3], [1, 4, 2]]] as number[][][]) {
      await compare(`tile ${shape} by ${reps}`, () => tf.tile(rand(shape, 22), reps));
    }
    for (const [shape, perm] of [[[3, 5, 4, 6], [0, 2, 1, 3]], [[7, 5], [1, 0]], [[4, 3, 5], [2, 0, 1]], [[2, 3, 4, 5], [3, 2, 1, 0]],
      [[128, 49, 4, 16], [0, 2, 1, 3]], [[128, 64, 8, 16], [0, 2, 1, 3]], [[1024, 1024], [1, 0]], [[6], [0]]] as number[][][]) {
      await compare(`transpose ${shape} by ${perm}`, () => tf.transpose(rand(shape, 23), perm));
    }
    for (const [shape, begin, size] of [[[6, 4, 4, 1], [0, 0, 0, 0], [6, 4, 4, 1]], [[6, 4, 4, 1], [2, 0, 0, 0], [3, 4, 4, 1]],
      [[5, 7], [1, 2], [3, 4]], [[4, 3, 5], [0, 1, 0], [4, 2, 5]], [[4, 3, 5], [2, 1, 0], [1, 2, 5]], [[9], [3], [4]]] as number[][][]) {
      await compare(`slice ${shape} at ${begin} size ${size}`, () => [tf.slice(rand(shape, 24), begin, size),
        tf.slice(tf.cast(rand(shape, 25).mul(9), 'int32'), begin, size), tf.cast(tf.slice(tf.greater(rand(shape, 26), 0), begin, size), 'float32')]);
    }
    await compare('batch norm', () => tf.batchNorm(rand([4, 3, 3, 5], 23), rand([5], 24), tf.abs(rand([5], 25)), rand([5], 26), rand([5], 27), 1e-3));
    await compare('batch norm without scale and offset', () => tf.batchNorm(rand([6, 5], 28), rand([5], 29), tf.abs(rand([5], 30))));
    await compare('batch norm gradients', () => tf.grads((x: tf.Tensor, s: tf.Tensor) =>
      tf.batchNorm(x, tf.mean(x, [0, 1, 2]), tf.moments(x, [0, 1, 2]).variance, rand([5], 31), s, 1e-3).square().sum())(
      [rand([4, 3, 3, 5], 32), rand([5], 33)]));
  });

  test('Softmax matches cpu over rows of any length, big tensors, and infinite or NaN logits', async () => {
    for (const shape of [[3, 7], [5, 1], [2, 33], [128, 10], [16, 4, 49, 49]]) {
      await compare(`softmax ${shape}`, () => tf.softmax(rand(shape, 40).mul(20)));
    }
    const special = tf.tensor2d([
      [1, -Infinity, 3, 2], [-Infinity, -Infinity, -Infinity, -Infinity], [1, Infinity, 0, -1], [NaN, 1, 2, 3], [80, 90, -80, 0],
    ]);
    await compare('softmax of special logits', () => tf.softmax(special));
  });

  test('split matches cpu: contiguous pieces (leading axis, or ones before it), uneven sizes, other axes, int32', async () => {
    await compare('split [3,4,5] in 3 along 0', () => tf.split(rand([3, 4, 5], 41), 3, 0));
    await compare('split [1,6,4] as 1,3,2 along 1', () => tf.split(rand([1, 6, 4], 42), [1, 3, 2], 1));
    await compare('split [3,2,4,7,5] in 3 along 0', () => tf.split(rand([3, 2, 4, 7, 5], 43), 3, 0));
    await compare('split [4,6] in 2 along 1', () => tf.split(rand([4, 6], 44), 2, 1));
    await compare('split int32 [4,3] as 3,1 along 0', () => tf.split(tf.cast(rand([4, 3], 45).mul(9), 'int32'), [3, 1], 0));
    await compare('split gradient', () => tf.grad((x: tf.Tensor) => {
      const [a, b, c] = tf.split(x, 3, 0);
      return a.mul(2).add(b.square()).sub(c).sum();
    })(rand([3, 5, 4], 46)));
  });

  test('end-to-end gradients of a CNN and of an attention block match cpu', async () => {
    await compare('conv/pool/dense model gradients', convPoolDenseGradients);
    await compare('attention block gradients', attentionBlockGradients);
  });

  /** `make` on the WASM backend and on onednn; the outputs must be equal bit for bit. */
  async function assertSameAsWasm(what: string, make: () => tf.Tensor | tf.Tensor[]): Promise<void> {
    const bits = async (backend: string) => (await runOn(backend, make)).map((t) => Array.from(new Uint32Array(t.dataSync().buffer)));
    assert.equal(await bits(ONEDNN_BACKEND), await bits('wasm'), what);
  }

  test('the fused relu gradient equals the WASM backend bit for bit, NaN and signed zeros included', async () => {
    await assertSameAsWasm('relu gradient', () => {
      const x = tf.concat([rand([5000], 21), tf.tensor1d([0, -0, NaN, 1, -1])]);
      const dy = tf.concat([rand([5000], 22), tf.tensor1d([NaN, Infinity, 2, -0, Infinity])]);
      return tf.grad((t: tf.Tensor) => tf.relu(t).mul(dy).sum())(x);
    });
  });

  test('the fused Adam update equals tf.train.adam on WASM bit for bit over several steps', async () => {
    await assertSameAsWasm('adam', () => {
      const w = tf.variable(rand([3000], 23));
      const b = tf.variable(rand([7], 24));
      const optimizer = createOptimizer('adam', 3e-3);
      for (let step = 0; step < 5; step++) {
        optimizer.applyGradients({ [w.name]: rand([3000], 25 + step), [b.name]: rand([7], 35 + step) });
      }
      const out = [w.clone(), b.clone()];
      optimizer.dispose();
      w.dispose();
      b.dispose();
      return out;
    });
  });

  test('the dropout mask is 1/keep with probability keep, from its seed alone', () => {
    const mask = (seed: number, shape = [400, 250]) =>
      tf.tidy(() => Array.from((tf.engine().runKernel(DROPOUT_MASK, {}, { shape, keepProb: 0.75, seed } as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync()));
    const m = mask(7);
    assert.ok(m.every((v) => v === 0 || v === Math.fround(1 / 0.75)), 'values are 0 or 1/keep');
    const kept = m.filter((v) => v > 0).length / m.length;
    assert.ok(Math.abs(kept - 0.75) < 0.005, `kept ${kept}`);
    assert.equal(mask(7), m, 'same seed, same mask');
    assert.not.equal(mask(8), m, 'another seed, another mask');
    // Draw i is splitmix64 of seed + i, its top 24 bits as u in [0, 1): the masks of past runs stay the same.
    const M64 = (1n << 64n) - 1n, seed = 123456789;
    const expected = Array.from({ length: 1003 }, (_, i) => {
      let z = (BigInt(seed) + BigInt(i) * 0x9E3779B97F4A7C15n) & M64;
      z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & M64;
      z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & M64;
      z ^= z >> 31n;
      return Number(z >> 40n) / 2 ** 24 + 0.75 >= 1 ? Math.fround(1 / 0.75) : 0;
    });
    assert.equal(mask(seed, [1003]), expected, 'splitmix64 bit for bit');
  });

  test('the Dropout layer masks in training, passes through in inference, and saves as tfjs Dropout', async () => {
    const layer = dropoutLayer({ rate: 0.25, inputShape: [10, 10] });
    const model = tf.sequential({ layers: [layer] });
    const x = tf.ones([64, 10, 10]);
    const trained = tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync()));
    assert.ok(trained.every((v) => v === 0 || v === Math.fround(1 / 0.75)));
    assert.ok(Math.abs(trained.filter((v) => v > 0).length / trained.length - 0.75) < 0.02);
    assert.equal(tf.tidy(() => Array.from((model.apply(x, { training: false }) as tf.Tensor).dataSync())), Array.from(x.dataSync()));
    const json = model.toJSON(null, false) as unknown as { config: { layers: { class_name: string; config: { rate: number } }[] } };
    assert.is(json.config.layers[0].class_name, 'Dropout');
    assert.is(json.config.layers[0].config.rate, 0.25);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    assert.is(tf.memory().numTensors, before, 'no tensor left behind');
    x.dispose();
    model.dispose();
  });

  test('the replaced kernels leave no tensor behind', () => {
    assertNoLeak('conv2d', () => tf.conv2d(rand([3, 8, 8, 2], 1) as tf.Tensor4D, rand([3, 3, 2, 4], 2) as tf.Tensor4D, 1, 'same'));
    assertNoLeak('conv2d grads', () => tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')).sum())(
      [rand([3, 8, 8, 2], 1), rand([3, 3, 2, 4], 2)]));
    assertNoLeak('pool grads', () => tf.grad((x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid').add(tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid')).sum())(rand([2, 4, 4, 3], 3)));
    for (const [a, b, ta, tb] of matMulCases) assertNoLeak(`matMul ${a} x ${b}`, () => tf.matMul(rand(a, 1), rand(b, 2), ta, tb));
    assertNoLeak('elementwise', () => tf.sum(tf.add(tf.cast(tf.greater(rand([4, 5], 1), 0), 'float32'), rand([5], 2)).square(), [0]));
    assertNoLeak('softmax', () => tf.softmax(rand([6, 49], 5)));
    assertNoLeak('split', () => tf.split(rand([3, 4, 5], 6), 3, 0));
    assertNoLeak('slice', () => tf.add(tf.slice(rand([6, 4, 4, 1], 1), 0, 6), tf.slice(rand([8, 4, 4, 1], 2), 1, 6)));
    assertNoLeak('adam', () => {
      const w = tf.variable(rand([30], 3));
      const optimizer = createOptimizer('adam', 1e-3);
      optimizer.applyGradients({ [w.name]: rand([30], 4) });
      optimizer.dispose();
      w.dispose();
      return tf.scalar(0);
    });
  });

  test('a fixed thread count gives the same gradients run after run', async () => {
    const run = async () => (await runOn(ONEDNN_BACKEND, convPoolDenseGradients)).map((t) => Array.from(t.dataSync()));
    assert.equal(await run(), await run());
  });

  test.run();
}
