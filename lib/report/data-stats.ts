/** Descriptive statistics of a digit set for the data notebook: class balance, grey levels, ink, mean digits. */
import { type DigitSet, NUM_CLASSES } from '../data/mnist';

export function classCounts(set: DigitSet): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]]++;
  return counts;
}

/** The first `perClass` images of each digit, in dataset order: a fixed, reproducible sample. */
export function samplesPerClass(set: DigitSet, perClass: number): number[][] {
  const picked: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let i = 0; i < set.count && picked.some((p) => p.length < perClass); i++) {
    const bucket = picked[set.labels[i]];
    if (bucket.length < perClass) bucket.push(i);
  }
  return picked;
}

export interface PixelStats {
  /** Mean and standard deviation of all pixels, scaled to [0, 1]: the usual normalisation constants. */
  mean: number;
  std: number;
  /** How many pixels have each grey level 0..255. */
  histogram: number[];
  /** Share of pixels that are exactly 0 (background). */
  zeroFraction: number;
  /** Per digit: the mean image (pixels in [0, 1]) and the mean share of "ink" pixels (grey level > 127). */
  meanImages: number[][];
  inkFraction: number[];
}

export function pixelStats(set: DigitSet): PixelStats {
  const pixels = set.height * set.width;
  const histogram = new Array<number>(256).fill(0);
  const sums = Array.from({ length: NUM_CLASSES }, () => new Float64Array(pixels));
  const ink = new Array<number>(NUM_CLASSES).fill(0);
  const counts = classCounts(set);
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i];
    const classSum = sums[label];
    for (let p = 0; p < pixels; p++) {
      const v = set.images[i * pixels + p];
      histogram[v]++;
      classSum[p] += v;
      sum += v;
      sumSquares += v * v;
      if (v > 127) ink[label]++;
    }
  }
  const n = set.count * pixels;
  const mean = sum / n;
  return {
    mean: mean / 255,
    std: Math.sqrt(Math.max(0, sumSquares / n - mean * mean)) / 255,
    histogram,
    zeroFraction: histogram[0] / n,
    meanImages: sums.map((s, c) => Array.from(s, (v) => (counts[c] ? v / counts[c] / 255 : 0))),
    inkFraction: ink.map((v, c) => (counts[c] ? v / (counts[c] * pixels) : 0)),
  };
}
