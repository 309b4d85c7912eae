import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { augmentImage } from '../lib/data/augment';
import { batchesOf, epochOrder, firstIndices, makeBatch, trainValSplit } from '../lib/data/dataset';
import type { DigitSet } from '../lib/data/mnist';
import { createRng, permutation } from '../lib/data/random';

const set: DigitSet = {
  images: Uint8Array.from({ length: 10 * 784 }, (_, i) => Math.floor(i / 784) * 20),
  labels: Uint8Array.from({ length: 10 }, (_, i) => i),
  count: 10,
  height: 28,
  width: 28,
};

test('seeded RNG and permutations are reproducible and seed-dependent', () => {
  assert.equal(Array.from(permutation(20, createRng(1))), Array.from(permutation(20, createRng(1))));
  assert.not.equal(Array.from(permutation(20, createRng(1))), Array.from(permutation(20, createRng(2))));
  assert.equal(Array.from(permutation(20, createRng(3))).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
});

test('train/validation split is disjoint, complete, seeded and honours the limit', () => {
  const { train, val } = trainValSplit(1000, 0.1, 7);
  assert.is(val.length, 100);
  assert.is(train.length, 900);
  assert.is(new Set([...train, ...val]).size, 1000);
  assert.equal(Array.from(trainValSplit(1000, 0.1, 7).val), Array.from(val));
  const limited = trainValSplit(1000, 0.2, 7, 50);
  assert.is(limited.train.length + limited.val.length, 50);
  assert.throws(() => trainValSplit(10, 1, 1), /valFraction/);
});

test('epoch order is a seeded permutation that changes per epoch', () => {
  const indices = Int32Array.from([5, 6, 7, 8, 9, 10, 11, 12]);
  const e0 = Array.from(epochOrder(indices, 1, 0));
  assert.equal(e0, Array.from(epochOrder(indices, 1, 0)));
  assert.not.equal(e0, Array.from(epochOrder(indices, 1, 1)));
  assert.equal([...e0].sort((a, b) => a - b), Array.from(indices));
});

test('batches scale pixels to [0,1] and carry labels', () => {
  const batch = makeBatch(set, [3, 7]);
  assert.is(batch.size, 2);
  assert.equal(Array.from(batch.labels), [3, 7]);
  assert.ok(Math.abs(batch.images[0] - 60 / 255) < 1e-6);
  assert.ok(Math.abs(batch.images[784] - 140 / 255) < 1e-6);
  assert.equal(Array.from(batchesOf(firstIndices(10), 4)).map((b) => b.length), [4, 4, 2]);
  assert.is(firstIndices(10, 3).length, 3);
});

test('augmentation with zero strength is the identity; otherwise seeded and mass-preserving', () => {
  const src = new Float32Array(784);
  for (let y = 10; y < 18; y++) for (let x = 12; x < 16; x++) src[y * 28 + x] = 1;
  const out = new Float32Array(784);
  augmentImage(src, out, 28, 28, createRng(1), { shift: 0, rotate: 0 });
  assert.equal(Array.from(out), Array.from(src));
  const a = new Float32Array(784);
  const b = new Float32Array(784);
  augmentImage(src, a, 28, 28, createRng(5), { shift: 2, rotate: 10 });
  augmentImage(src, b, 28, 28, createRng(5), { shift: 2, rotate: 10 });
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(src));
  const mass = (x: Float32Array) => x.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(mass(a) - mass(src)) / mass(src) < 0.05);
});

test('scale augmentation grows or shrinks a digit by the drawn factor, and without it the random stream is unchanged', () => {
  const src = new Float32Array(784);
  for (let y = 10; y < 18; y++) for (let x = 10; x < 18; x++) src[y * 28 + x] = 1;
  const mass = (x: Float32Array) => x.reduce((s, v) => s + v, 0);
  // An rng that always returns 1 draws the largest factor: 1 + scale.
  const out = new Float32Array(784);
  augmentImage(src, out, 28, 28, () => 1, { shift: 0, rotate: 0, scale: 0.5 });
  assert.ok(Math.abs(mass(out) / mass(src) - 1.5 ** 2) < 0.15, `mass ratio ${mass(out) / mass(src)}`);
  augmentImage(src, out, 28, 28, () => 0, { shift: 0, rotate: 0, scale: 0.5 });
  assert.ok(Math.abs(mass(out) / mass(src) - 0.5 ** 2) < 0.1, `mass ratio ${mass(out) / mass(src)}`);
  const without = new Float32Array(784);
  const zero = new Float32Array(784);
  augmentImage(src, without, 28, 28, createRng(9), { shift: 2, rotate: 10 });
  augmentImage(src, zero, 28, 28, createRng(9), { shift: 2, rotate: 10, scale: 0 });
  assert.equal(Array.from(zero), Array.from(without));
});

test.run();
