/**
 * The training kernels registered for the wasm backend, checked against the
 * CPU backend (the reference implementation of tfjs) on the same inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../lib/backend/wasm-kernels';
import {
  assertClose, assertNoLeak, attentionBlockGradients, compare, compareBackpropFilter, compareBackpropInput, convCases, convPoolDenseGradients, label, matMulCases,
  poolCases, rand, runOn, type Pair, type Shape4,
} from './kernel-cases';

test.before(async () => {
  await initBackend('wasm');
});

test('registers every training kernel for wasm, idempotently', () => {
  const before = WASM_TRAINING_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  const after = WASM_TRAINING_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
  assert.ok(before.every((f) => typeof f === 'function'));
  assert.equal(after, before);
  for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', 'UnsortedSegmentSum']) {
    assert.ok(WASM_TRAINING_KERNELS.includes(name), name);
  }
});

// --- Conv2D gradients --------------------------------------------------------

test('Conv2DBackpropFilter matches cpu', compareBackpropFilter);

test('Conv2DBackpropInput matches cpu', compareBackpropInput);

test('conv2d gradients (through tf.grads) match cpu', async () => {
  for (const c of convCases.slice(0, 6)) {
    await compare(`conv2d grads ${label(c)}`, () =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad).square().sum())(
        [rand(c.x, 5), rand(c.f, 6)]));
  }
});

// --- MaxPoolGrad -------------------------------------------------------------

test('MaxPoolGrad matches cpu, including ties (first maximum wins)', async () => {
  for (const c of poolCases) {
    // relu(x) has many zero ties; rounding makes more ties among the positives.
    const inputs = [
      () => rand(c.x, 7),
      () => tf.relu(rand(c.x, 8)),
      () => tf.round(rand(c.x, 9).mul(2)),
      () => tf.zeros(c.x),
    ];
    for (const [k, input] of inputs.entries()) {
      await compare(`maxPool grad input#${k} x ${c.x} size ${c.size} strides ${c.strides} ${c.pad}`, () => {
        const x = input();
        return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad).mul(rand(
          tf.backend_util.computePool2DInfo(c.x, c.size, c.strides, 1, c.pad).outShape, 10)).sum())(x);
      });
    }
  }
});

// --- BatchMatMul -------------------------------------------------------------

test('BatchMatMul matches cpu (transposes, batches, broadcasting)', async () => {
  for (const [a, b, ta, tb] of matMulCases) {
    await compare(`matMul ${a} x ${b} transposeA=${ta} transposeB=${tb}`,
      () => tf.matMul(rand(a, 11), rand(b, 12), ta, tb));
  }
});

test('BatchMatMul broadcasts unequal batch dims (checked against explicit tiling)', async () => {
  // The CPU backend itself gets [2,1,..] x [3,..] wrong, so tile first there.
  const expected = await runOn('cpu', () =>
    tf.matMul(tf.tile(rand([2, 1, 5, 7], 13), [1, 3, 1, 1]), tf.tile(rand([1, 3, 7, 4], 14), [2, 1, 1, 1])));
  const actual = await runOn('wasm', () => tf.matMul(rand([2, 1, 5, 7], 13), rand([3, 7, 4], 14)));
  assertClose(actual, expected, 'matMul [2,1,5,7] x [3,7,4]');
});

// --- UnsortedSegmentSum, Slice, depthwise gradients --------------------------

test('UnsortedSegmentSum matches cpu (gather gradient, out-of-range ids dropped)', async () => {
  const cases: Array<[number[], number[], number]> = [
    [[6, 3], [0, 2, 2, 1, 0, 3], 4],
    [[5], [4, 4, 0, 1, 1], 5],
    [[4, 2, 3], [1, 1, 0, 1], 3],
    [[5, 2], [0, 7, -1, 1, 0], 2],
  ];
  for (const [xShape, ids, numSegments] of cases) {
    await compare(`unsortedSegmentSum x ${xShape} ids ${ids}`,
      () => tf.unsortedSegmentSum(rand(xShape, 15), tf.tensor1d(ids, 'int32'), numSegments));
  }
  await compare('gather gradient', () =>
    tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([0, 2, 2, 4, 1, 2], 'int32')).mul(rand([6, 3], 16)).sum())(rand([5, 3], 17)));
});

test('Slice matches cpu', async () => {
  const cases: Array<[number[], number[], number[]]> = [
    [[10], [3], [4]],
    [[3, 4], [1, 1], [1, 2]],
    [[3, 4], [0, 1], [3, -1]],
    [[4, 5, 6], [1, 0, 2], [2, 5, 3]],
    [[4, 5, 6], [2, 0, 0], [2, 5, 6]],
    [[3, 4, 5, 6], [1, 0, 2, 1], [2, 3, 2, 4]],
    [[2, 3, 4, 5, 6], [1, 1, 0, 2, 3], [1, 2, 4, 2, 3]],
  ];
  for (const [shape, begin, size] of cases) {
    await compare(`slice ${shape} begin ${begin} size ${size}`, () => tf.slice(rand(shape, 18), begin, size));
  }
  await compare('slice int32', () => tf.slice(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), [0, 1], [2, 2]));
});

test('depthwise conv gradients match cpu', async () => {
  const cases: Array<{ x: Shape4; f: Shape4; strides: Pair; pad: 'same' | 'valid' }> = [
    { x: [2, 5, 5, 3], f: [3, 3, 3, 2], strides: 1, pad: 'same' },
    { x: [2, 6, 7, 2], f: [2, 2, 2, 1], strides: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    await compare(`depthwise grads ${label(c)}`, () =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad).square().sum())(
        [rand(c.x, 19), rand(c.f, 20)]));
  }
});

test('the training kernels free all their intermediates', () => {
  assertNoLeak('Conv2DBackpropFilter', () => tf.grad((w: tf.Tensor) => tf.conv2d(rand([3, 8, 8, 2], 1) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum())(rand([3, 3, 2, 4], 2)));
  assertNoLeak('Conv2DBackpropFilter strided', () => tf.grad((w: tf.Tensor) => tf.conv2d(rand([3, 8, 8, 2], 1) as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').sum())(rand([3, 3, 2, 4], 2)));
  assertNoLeak('Conv2DBackpropInput strided', () => tf.grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, rand([3, 3, 2, 4], 2) as tf.Tensor4D, 2, 'same').sum())(rand([3, 8, 8, 2], 1)));
  assertNoLeak('MaxPoolGrad', () => tf.grad((x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid').sum())(rand([2, 4, 4, 3], 3)));
  for (const [a, b, ta, tb] of matMulCases) assertNoLeak(`BatchMatMul ${a} x ${b}`, () => tf.matMul(rand(a, 1), rand(b, 2), ta, tb));
  assertNoLeak('UnsortedSegmentSum', () => tf.unsortedSegmentSum(rand([4, 3], 1), tf.tensor1d([0, 1, 1, 0], 'int32'), 2));
  assertNoLeak('depthwise grads', () => tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum())([rand([1, 4, 4, 2], 1), rand([3, 3, 2, 1], 2)]));
});

// --- End to end ----------------------------------------------------------------

test('gradients of a conv -> pool -> dense model match cpu for every weight', async () => {
  // conv3x3(4) relu -> conv3x3(6, same) relu -> maxpool 2 -> dense 10, softmax cross-entropy.
  await compare('conv/pool/dense model gradients', convPoolDenseGradients);
});

test('gradients of an attention block (ViT pieces) match cpu', async () => {
  // Token embedding via gather, class token concat, layer norm, 2-head attention, gelu MLP, slice.
  await compare('attention block gradients', attentionBlockGradients);
});

test.run();
