/** Seeded splits, subsets and batches over a DigitSet; batches are plain arrays, tensors are made by the caller. */
import type { DigitSet } from './mnist';
import { augmentImage, AugmentOptions } from './augment';
import { createRng, deriveSeed, permutation, Rng } from './random';

export interface Batch {
  /** batch × height × width pixels scaled to [0,1] */
  images: Float32Array;
  labels: Int32Array;
  size: number;
}

/** Indices of a seeded train/validation split of the first `limit` images of a seeded shuffle. */
export function trainValSplit(count: number, valFraction: number, seed: number, limit?: number): { train: Int32Array; val: Int32Array } {
  if (valFraction < 0 || valFraction >= 1) throw new Error(`valFraction must be in [0, 1), got ${valFraction}`);
  const order = permutation(count, createRng(deriveSeed(seed, 'split')));
  const used = limit && limit < count ? order.subarray(0, limit) : order;
  const valCount = Math.round(used.length * valFraction);
  return { val: used.slice(0, valCount), train: used.slice(valCount) };
}

/** The first `limit` indices, unshuffled: test subsets stay the same whatever the seed. */
export function firstIndices(count: number, limit?: number): Int32Array {
  const n = limit && limit < count ? limit : count;
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** The index order of one training epoch; it depends only on (seed, epoch), so a resumed run sees the same order. */
export function epochOrder(indices: Int32Array, seed: number, epoch: number): Int32Array {
  const order = permutation(indices.length, createRng(deriveSeed(seed, 'epoch', epoch)));
  return order.map((i) => indices[i]);
}

export function makeBatch(set: DigitSet, indices: ArrayLike<number>, augment?: { rng: Rng; options: AugmentOptions }): Batch {
  const pixels = set.height * set.width;
  const size = indices.length;
  const images = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  const scratch = new Float32Array(pixels);
  for (let b = 0; b < size; b++) {
    const src = indices[b] * pixels;
    const target = augment ? scratch : images.subarray(b * pixels, (b + 1) * pixels);
    for (let p = 0; p < pixels; p++) target[p] = set.images[src + p] / 255;
    if (augment) augmentImage(scratch, images.subarray(b * pixels, (b + 1) * pixels), set.height, set.width, augment.rng, augment.options);
    labels[b] = set.labels[indices[b]];
  }
  return { images, labels, size };
}

/** Splits an index list into consecutive batches of at most batchSize. */
export function* batchesOf(indices: Int32Array, batchSize: number): Generator<Int32Array> {
  for (let start = 0; start < indices.length; start += batchSize) {
    yield indices.subarray(start, Math.min(start + batchSize, indices.length));
  }
}
