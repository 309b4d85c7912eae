/** Mistakes over training: the validation confusion of the most confused digit pairs, epoch by epoch (metrics.jsonl's valConfusion). */
import type { EpochMetrics } from '../train/types';

export interface PairTrend {
  /** True digit and the digit it was taken for. */
  trueLabel: number;
  predicted: number;
  /** Per epoch: validation images of trueLabel predicted as `predicted`. */
  counts: number[];
  /** The same as a share of trueLabel's validation images. */
  rates: number[];
}

export interface ConfusionTrend {
  epochs: number[];
  pairs: PairTrend[];
}

/**
 * The `top` (true → predicted) pairs with the most confusions summed over all epochs, most first (ties by
 * digits); only epochs that recorded a confusion matrix count. Empty when none did.
 */
export function confusionTrend(metrics: EpochMetrics[], top = 5): ConfusionTrend {
  const recorded = metrics.filter((m) => m.valConfusion);
  if (recorded.length === 0) return { epochs: [], pairs: [] };
  const classes = recorded[0].valConfusion!.length;
  const totals: { trueLabel: number; predicted: number; total: number }[] = [];
  for (let t = 0; t < classes; t++) {
    for (let p = 0; p < classes; p++) {
      if (t !== p) totals.push({ trueLabel: t, predicted: p, total: recorded.reduce((sum, m) => sum + m.valConfusion![t][p], 0) });
    }
  }
  const chosen = totals.filter((pair) => pair.total > 0).sort((a, b) => b.total - a.total || a.trueLabel - b.trueLabel || a.predicted - b.predicted).slice(0, top);
  const pairs = chosen.map(({ trueLabel, predicted }) => {
    const counts = recorded.map((m) => m.valConfusion![trueLabel][predicted]);
    const rates = recorded.map((m, i) => {
      const support = m.valConfusion![trueLabel].reduce((a, b) => a + b, 0);
      return support ? counts[i] / support : 0;
    });
    return { trueLabel, predicted, counts, rates };
  });
  return { epochs: recorded.map((m) => m.epoch), pairs };
}
