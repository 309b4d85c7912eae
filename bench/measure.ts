/** The measurement protocol: warm-up calls excluded, each timed call measured on its own, the median reported. */
import { performance } from 'perf_hooks';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds of each of `runs` calls of fn, after `warmup` untimed calls (first-call costs: heap growth, optimizer slots). */
export function timedRuns(fn: () => void, warmup: number, runs: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** Items per second from per-call times of `itemsPerCall` items: the median call, so a load spike moves it little. */
export function throughput(itemsPerCall: number, timesMs: readonly number[]): number {
  return (itemsPerCall * 1000) / median(timesMs);
}

/** This process's peak resident set size so far, in MB (maxRSS is in KiB). */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
