/** Mistakes over training: one line per most-confused digit pair, its share of the true digit's validation images per epoch. */
import type { ConfusionTrend } from '../analysis/confusion-trend';
import { COLORS, Figure, Trace, margins, titleOf } from './figure';

export interface ConfusionTrendOptions {
  /** Default 'Most confused pairs over training'; '' for none. */
  title?: string;
}

export function confusionTrendFigure(trend: ConfusionTrend, opts: ConfusionTrendOptions = {}): Figure {
  const data: Trace[] = trend.pairs.map((pair, i) => ({
    type: 'scatter',
    mode: trend.epochs.length > 30 ? 'lines' : 'lines+markers',
    name: `${pair.trueLabel} → ${pair.predicted}`,
    x: trend.epochs,
    y: pair.rates.map((r) => r * 100),
    customdata: pair.counts,
    line: { color: COLORS[i % COLORS.length] },
    hovertemplate: `epoch %{x}: ${pair.trueLabel} read as ${pair.predicted} %{customdata} times (%{y:.2f}% of the ${pair.trueLabel}s)<extra></extra>`,
  }));
  const title = titleOf(opts.title ?? 'Most confused pairs over training');
  return {
    data,
    layout: {
      title,
      width: 760,
      height: 460,
      margin: margins(!!title),
      xaxis: { title: { text: 'epoch' }, dtick: 1 },
      yaxis: { title: { text: '% of the true digit (validation)' }, rangemode: 'tozero' },
      legend: { title: { text: 'true → predicted' } },
      annotations: trend.pairs.length ? [] : [{ text: 'no confusion recorded (no validation split, or no mistakes)', x: 0.5, y: 0.5, xref: 'paper', yref: 'paper', showarrow: false }],
    },
  };
}
