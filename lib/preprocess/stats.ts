/** Statistics of pixel values used to tell ink from background. */

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = Float32Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const BINS = 256;

/**
 * Otsu's threshold: the value that best splits values in [0, max] into two classes (maximum between-class
 * variance over a 256-bin histogram). Returns the lower edge of the upper class.
 */
export function otsuThreshold(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  if (max === 0) return 0;
  const histogram = new Float64Array(BINS);
  for (let i = 0; i < values.length; i++) histogram[Math.min(BINS - 1, Math.floor((values[i] / max) * BINS))]++;
  let totalSum = 0;
  for (let b = 0; b < BINS; b++) totalSum += b * histogram[b];
  let lowCount = 0;
  let lowSum = 0;
  let best = 0;
  let bestBin = 1;
  for (let b = 0; b < BINS - 1; b++) {
    lowCount += histogram[b];
    lowSum += b * histogram[b];
    const highCount = values.length - lowCount;
    if (lowCount === 0 || highCount === 0) continue;
    const between = lowCount * highCount * (lowSum / lowCount - (totalSum - lowSum) / highCount) ** 2;
    if (between > best) {
      best = between;
      bestBin = b + 1;
    }
  }
  return (bestBin / BINS) * max;
}

/**
 * The most common value, to within `binWidth` (the fullest bin of a histogram smoothed over three bins).
 * Unlike the median it stays on the bulk of flat paper when the rest is spread out over a stroke's blurred edges.
 */
export function mode(values: ArrayLike<number>, binWidth: number): number {
  if (values.length === 0) throw new Error('mode of no values');
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) [low, high] = [Math.min(low, values[i]), Math.max(high, values[i])];
  const counts = new Float64Array(Math.floor((high - low) / binWidth) + 3);
  for (let i = 0; i < values.length; i++) counts[Math.floor((values[i] - low) / binWidth) + 1]++;
  let best = 1;
  const smoothed = (b: number) => counts[b - 1] + 2 * counts[b] + counts[b + 1];
  for (let b = 2; b < counts.length - 1; b++) if (smoothed(b) > smoothed(best)) best = b;
  return low + (best - 0.5) * binWidth;
}
