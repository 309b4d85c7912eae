/**
 * The training kernels registered for the wasm backend, checked against the
 * CPU backend (the reference implementation of tfjs) on the same inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../lib/backend/wasm-kernels';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
type Shape4 = [number, number, number, number];
type Pair = number | [number, number];

test.before(async () => {
  await initBackend('wasm');
});

/** Deterministic values in [-1, 1) (xorshift), so both backends see the same inputs. */
function values(size: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

const rand = (shape: number[], seed: number) => tf.tensor(values(tf.util.sizeFromShape(shape), seed), shape);

/** Runs `make` on one backend; the results come back as CPU-backend tensors. */
async function runOn(backend: 'cpu' | 'wasm', make: () => tf.Tensor | tf.Tensor[]): Promise<tf.Tensor[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(make);
  const list = Array.isArray(out) ? out : [out];
  const copies = list.map((t) => ({ data: t.dataSync().slice(), shape: t.shape, dtype: t.dtype }));
  tf.dispose(list);
  await tf.setBackend('cpu');
  const result = copies.map((c) => tf.tensor(c.data, c.shape, c.dtype));
  await tf.setBackend('wasm');
  return result;
}

/** Same shapes, and |wasm - cpu| <= 1e-4 * max(1, max |cpu|) everywhere. */
function assertClose(actual: tf.Tensor[], expected: tf.Tensor[], what: string): void {
  assert.is(actual.length, expected.length, `${what}: number of outputs`);
  expected.forEach((e, k) => {
    const a = actual[k];
    assert.equal(a.shape, e.shape, `${what}: shape of output ${k}`);
    const av = a.dataSync();
    const ev = e.dataSync();
    let scale = 1;
    for (const v of ev) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ev.length; i++) {
      const ok = Math.abs(av[i] - ev[i]) <= 1e-4 * scale;
      if (!ok) assert.unreachable(`${what}: output ${k}[${i}] is ${av[i]}, cpu has ${ev[i]}`);
    }
  });
}

/** Runs `make` on the CPU backend, then on wasm, and compares the results. */
async function compare(what: string, make: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const expected = await runOn('cpu', make);
  assertClose(await runOn('wasm', make), expected, what);
}

/** Fails if running `make` on wasm leaves tensors behind on the wasm heap. */
function assertNoLeak(what: string, make: () => tf.Tensor | tf.Tensor[]): void {
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  tf.dispose(tf.tidy(make)); // warm-up: kernels may allocate persistent state on first use
  const before = backend.numDataIds();
  tf.dispose(tf.tidy(make));
  assert.is(backend.numDataIds(), before, `${what} leaked wasm tensors`);
}

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

const convCases: Array<{ x: Shape4; f: Shape4; strides: Pair; pad: Pad }> = [
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 9, 9, 1], f: [3, 3, 1, 5], strides: 1, pad: 'valid' },
  { x: [3, 8, 8, 1], f: [3, 3, 1, 4], strides: 2, pad: 'same' },
  { x: [2, 5, 5, 2], f: [3, 3, 2, 3], strides: 2, pad: 'same' }, // padding on the top/left too
  { x: [2, 7, 7, 2], f: [3, 3, 2, 2], strides: 2, pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
  { x: [1, 8, 5, 2], f: [2, 3, 2, 3], strides: [2, 1], pad: 'valid' },
  { x: [2, 10, 11, 4], f: [5, 5, 4, 2], strides: 2, pad: 'valid' },
  { x: [2, 6, 6, 3], f: [4, 4, 3, 2], strides: 3, pad: 'same' },
  { x: [1, 5, 7, 2], f: [1, 1, 2, 3], strides: 1, pad: 'same' },
  { x: [2, 6, 6, 2], f: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  // Large enough to be split into several chunks (per-sample partial sums).
  { x: [24, 20, 20, 16], f: [3, 3, 16, 8], strides: 1, pad: 'valid' },
  { x: [80, 20, 20, 16], f: [3, 3, 16, 8], strides: 2, pad: 'same' },
];

const label = (c: { x: number[]; f: number[]; strides: Pair; pad: Pad }) =>
  `x ${c.x} f ${c.f} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

test('Conv2DBackpropFilter matches cpu', async () => {
  for (const c of convCases) {
    const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad).outShape;
    await compare(`dW ${label(c)}`, () => tf.engine().runKernel(tf.Conv2DBackpropFilter,
      { x: rand(c.x, 1), dy: rand(dyShape, 2) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as unknown as tf.NamedAttrMap) as tf.Tensor);
  }
});

test('Conv2DBackpropInput matches cpu', async () => {
  for (const c of convCases) {
    const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad).outShape;
    await compare(`dx ${label(c)}`, () => tf.engine().runKernel(tf.Conv2DBackpropInput,
      { dy: rand(dyShape, 3), filter: rand(c.f, 4) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor);
  }
});

test('conv2d gradients (through tf.grads) match cpu', async () => {
  for (const c of convCases.slice(0, 6)) {
    await compare(`conv2d grads ${label(c)}`, () =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad).square().sum())(
        [rand(c.x, 5), rand(c.f, 6)]));
  }
});

// --- MaxPoolGrad -------------------------------------------------------------

const poolCases: Array<{ x: Shape4; size: Pair; strides: Pair; pad: 'same' | 'valid' }> = [
  { x: [2, 4, 4, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 5, 5, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 5, 5, 3], size: 3, strides: 2, pad: 'same' },
  { x: [1, 6, 5, 2], size: 3, strides: 1, pad: 'same' },
  { x: [2, 7, 7, 2], size: [2, 3], strides: [1, 2], pad: 'valid' },
  { x: [3, 8, 6, 5], size: 2, strides: 2, pad: 'same' },
];

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

const matMulCases: Array<[number[], number[], boolean, boolean]> = [
  [[5, 7], [7, 3], false, false],
  [[7, 5], [7, 3], true, false],
  [[5, 7], [3, 7], false, true],
  [[7, 5], [3, 7], true, true],
  [[1, 7], [7, 1], false, false],
  [[6, 1], [1, 4], false, false],
  [[4, 5, 7], [7, 3], false, false], // shared right operand (x[B,T,D] . w[D,U])
  [[4, 7, 5], [3, 7], true, true],
  [[5, 7], [4, 7, 3], false, false], // shared left operand
  [[7, 5], [4, 3, 7], true, true],
  [[4, 5, 7], [4, 7, 3], false, false], // true batch (attention)
  [[4, 7, 5], [4, 7, 3], true, false],
  [[4, 5, 7], [4, 3, 7], false, true],
  [[4, 7, 5], [4, 3, 7], true, true],
  [[3, 5, 1], [3, 1, 4], false, false],
  [[3, 1, 6], [3, 6, 1], false, false],
  [[2, 3, 5, 7], [2, 3, 7, 4], false, false],
  [[2, 3, 5, 7], [1, 7, 4], false, false],
  [[16, 17, 8], [16, 17, 8], false, true],
  [[3, 70, 64], [3, 64, 60], false, false], // big enough for separate products per batch
  [[3, 64, 70], [3, 60, 64], true, true],
];

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
  await compare('conv/pool/dense model gradients', () => {
    const x = rand([8, 12, 12, 1], 21);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const weights = [rand([3, 3, 1, 4], 22), rand([4], 23), rand([3, 3, 4, 6], 24), rand([6], 25), rand([150, 10], 26).mul(0.3), rand([10], 27)];
    const loss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, w3: tf.Tensor, b3: tf.Tensor) => {
      const h1 = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'valid').add(b1)) as tf.Tensor4D;
      const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 1, 'same').add(b2)) as tf.Tensor4D;
      const pooled = tf.maxPool(h2, 2, 2, 'valid').reshape([8, 150]);
      return tf.losses.softmaxCrossEntropy(labels, tf.matMul(pooled, w3).add(b3));
    };
    return tf.grads(loss)(weights);
  });
});

test('gradients of an attention block (ViT pieces) match cpu', async () => {
  // Token embedding via gather, class token concat, layer norm, 2-head attention, gelu MLP, slice.
  await compare('attention block gradients', () => {
    const [B, T, D, H] = [3, 5, 8, 2];
    const ids = tf.tensor1d([1, 4, 2, 0, 3, 3, 1, 4, 0, 2, 2, 2, 1, 0, 4], 'int32');
    const weights = [rand([5, D], 31), rand([1, 1, D], 32), rand([D, 3 * D], 33), rand([D, D], 34), rand([D, 10], 35)];
    const loss = (emb: tf.Tensor, cls: tf.Tensor, wqkv: tf.Tensor, wo: tf.Tensor, head: tf.Tensor) => {
      const tokens = tf.gather(emb, ids).reshape([B, T, D]);
      const x = tf.concat([tf.tile(cls, [B, 1, 1]), tokens], 1); // [B, T+1, D]
      const mean = x.mean(-1, true);
      const normed = x.sub(mean).mul(tf.rsqrt(x.sub(mean).square().mean(-1, true).add(1e-5)));
      // (tfjs-core has no gradient for a 3-D x 2-D matMul, so flatten the tokens)
      const qkv = tf.matMul(normed.reshape([-1, D]), wqkv).reshape([B, T + 1, 3, H, D / H]).transpose([2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(qkv) as tf.Tensor4D[];
      const attn = tf.softmax(tf.matMul(q, k, false, true).div(Math.sqrt(D / H)));
      const mixed = tf.matMul(attn, v).transpose([0, 2, 1, 3]).reshape([B, T + 1, D]);
      const y = x.add(tf.matMul(mixed.reshape([-1, D]), wo).reshape([B, T + 1, D]));
      const gelu = y.mul(tf.erf(y.div(Math.SQRT2)).add(1)).mul(0.5);
      const clsOut = tf.slice(gelu, [0, 0, 0], [B, 1, D]).reshape([B, D]);
      return tf.matMul(clsOut, head).square().mean();
    };
    return tf.grads(loss)(weights);
  });
});

test.run();
