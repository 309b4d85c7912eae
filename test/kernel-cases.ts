/**
 * What the kernel tests of every WASM-based engine share: deterministic inputs, running the same
 * computation on the CPU backend (tfjs's reference) and on the engine under test, the comparison, the
 * leak check, and the shapes the kernels are checked on.
 */
import * as tf from '@tensorflow/tfjs';
import * as assert from 'uvu/assert';

export type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
export type Shape4 = [number, number, number, number];
export type Pair = number | [number, number];

/** Deterministic values in [-1, 1) (xorshift), so both backends see the same inputs. */
export function values(size: number, seed: number): Float32Array {
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

export const rand = (shape: number[], seed: number) => tf.tensor(values(tf.util.sizeFromShape(shape), seed), shape);

/** Runs `make` on one backend; the results come back as CPU-backend tensors. */
export async function runOn(backend: string, make: () => tf.Tensor | tf.Tensor[]): Promise<tf.Tensor[]> {
  const home = tf.getBackend();
  await tf.setBackend(backend);
  const out = tf.tidy(make);
  const list = Array.isArray(out) ? out : [out];
  const copies = list.map((t) => ({ data: t.dataSync().slice(), shape: t.shape, dtype: t.dtype }));
  tf.dispose(list);
  await tf.setBackend('cpu');
  const result = copies.map((c) => tf.tensor(c.data, c.shape, c.dtype));
  await tf.setBackend(home);
  return result;
}

/** Same shapes, and |actual - cpu| <= 1e-4 * max(1, max finite |cpu|) everywhere; NaN and ±Infinity where cpu has them. */
export function assertClose(actual: tf.Tensor[], expected: tf.Tensor[], what: string): void {
  assert.is(actual.length, expected.length, `${what}: number of outputs`);
  expected.forEach((e, k) => {
    const a = actual[k];
    assert.equal(a.shape, e.shape, `${what}: shape of output ${k}`);
    const av = a.dataSync();
    const ev = e.dataSync();
    let scale = 1;
    for (const v of ev) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ev.length; i++) {
      const ok = Number.isFinite(ev[i]) ? Math.abs(av[i] - ev[i]) <= 1e-4 * scale : Object.is(av[i], ev[i]);
      if (!ok) assert.unreachable(`${what}: output ${k}[${i}] is ${av[i]}, cpu has ${ev[i]}`);
    }
  });
}

/** Runs `make` on the CPU backend, then on the active backend, and compares the results. */
export async function compare(what: string, make: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const backend = tf.getBackend();
  const expected = await runOn('cpu', make);
  assertClose(await runOn(backend, make), expected, what);
}

/** Fails if running `make` on the active (WASM-based) backend leaves tensors behind on its heap. */
export function assertNoLeak(what: string, make: () => tf.Tensor | tf.Tensor[]): void {
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  tf.dispose(tf.tidy(make)); // warm-up: kernels may allocate persistent state on first use
  const before = backend.numDataIds();
  tf.dispose(tf.tidy(make));
  assert.is(backend.numDataIds(), before, `${what} leaked tensors`);
}

type ConvCase = { x: Shape4; f: Shape4; strides: Pair; pad: Pad };

/**
 * 3x3, stride 1, channels a multiple of 16: the oneDNN engine runs Winograd's algorithm for these, oneDNN's
 * on AVX-512 (the forward always, the input gradient when padded, the filter gradient when not), its own
 * (native/onednn/src/winograd.cc) elsewhere, every pass. Sides that are not a multiple of the 4-pixel tiles,
 * padding up to 2 on any side, more tiles than one block of the forward, and a filter gradient over more
 * tiles than its slices take in one block (the 1x1 outputs: one tile an image, few multiplications).
 */
export const winogradConvCases: ConvCase[] = [
  { x: [3, 10, 9, 16], f: [3, 3, 16, 16], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 32], f: [3, 3, 32, 64], strides: 1, pad: 'same' },
  { x: [2, 8, 7, 64], f: [3, 3, 64, 64], strides: 1, pad: 'valid' },
  { x: [2, 7, 8, 64], f: [3, 3, 64, 32], strides: 1, pad: 'same' },
  { x: [2, 9, 8, 16], f: [3, 3, 16, 32], strides: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [6, 20, 18, 16], f: [3, 3, 16, 16], strides: 1, pad: 'same' },
  { x: [1900, 3, 3, 16], f: [3, 3, 16, 16], strides: 1, pad: 'valid' },
];

export const convCases: ConvCase[] = [
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 9, 9, 1], f: [3, 3, 1, 5], strides: 1, pad: 'valid' },
  { x: [3, 8, 8, 1], f: [3, 3, 1, 4], strides: 2, pad: 'same' },
  // One input channel and whole vectors of outputs: the filter gradient's register-blocked loop.
  { x: [5, 12, 11, 1], f: [5, 5, 1, 16], strides: 2, pad: 'same' },
  { x: [3, 9, 10, 1], f: [3, 2, 1, 32], strides: [1, 2], pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
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
  ...winogradConvCases,
];

/** Conv2DBackpropFilter of every conv case on the active backend, compared with cpu. */
export async function compareBackpropFilter(): Promise<void> {
  for (const c of convCases) {
    const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad).outShape;
    await compare(`dW ${label(c)}`, () => tf.engine().runKernel(tf.Conv2DBackpropFilter,
      { x: rand(c.x, 1), dy: rand(dyShape, 2) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as unknown as tf.NamedAttrMap) as tf.Tensor);
  }
}

/** Conv2DBackpropInput of every conv case on the active backend, compared with cpu. */
export async function compareBackpropInput(): Promise<void> {
  for (const c of convCases) {
    const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad).outShape;
    await compare(`dx ${label(c)}`, () => tf.engine().runKernel(tf.Conv2DBackpropInput,
      { dy: rand(dyShape, 3), filter: rand(c.f, 4) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor);
  }
}

export const label = (c: { x: number[]; f: number[]; strides: Pair; pad: Pad }) =>
  `x ${c.x} f ${c.f} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

export const poolCases: Array<{ x: Shape4; size: Pair; strides: Pair; pad: 'same' | 'valid' }> = [
  { x: [2, 4, 4, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 5, 5, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 5, 5, 3], size: 3, strides: 2, pad: 'same' },
  { x: [1, 6, 5, 2], size: 3, strides: 1, pad: 'same' },
  { x: [2, 7, 7, 2], size: [2, 3], strides: [1, 2], pad: 'valid' },
  { x: [3, 8, 6, 5], size: 2, strides: 2, pad: 'same' },
  { x: [9, 24, 24, 64], size: 2, strides: 2, pad: 'valid' },
  // Whole vectors of channels on an odd side: the 2×2 forward's loads, the general gradient.
  { x: [2, 5, 7, 16], size: 2, strides: 2, pad: 'valid' },
];

export const matMulCases: Array<[number[], number[], boolean, boolean]> = [
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

/** conv3x3(4) relu -> conv3x3(6, same) relu -> maxpool 2 -> dense 10, softmax cross-entropy: gradients of every weight. */
export function convPoolDenseGradients(): tf.Tensor[] {
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
}

/** Token embedding via gather, class token concat, layer norm, 2-head attention, gelu MLP, slice: gradients. */
export function attentionBlockGradients(): tf.Tensor[] {
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
}
