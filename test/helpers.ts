/** Shared fixtures: small, deterministic slices of the real MNIST built inside the tests. */
import { DigitSet, loadMnist, MnistData } from '../lib/data/mnist';

let cached: MnistData | undefined;

function slice(set: DigitSet, count: number): DigitSet {
  const pixels = set.height * set.width;
  return { ...set, images: set.images.slice(0, count * pixels), labels: set.labels.slice(0, count), count };
}

export async function mnistSubset(trainCount: number, testCount: number): Promise<MnistData> {
  cached ??= await loadMnist();
  return { train: slice(cached.train, trainCount), test: slice(cached.test, testCount), source: cached.source };
}

/** uvu has no assert.rejects: this fails unless fn rejects with a message matching pattern. */
export async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!pattern.test((err as Error).message)) throw new Error(`rejected with "${(err as Error).message}", expected ${pattern}`);
    return;
  }
  throw new Error(`expected a rejection matching ${pattern}`);
}
