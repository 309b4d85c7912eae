/** Figures that put several runs side by side (the report notebook). */
import type { ModelResult } from '../plot/comparison';
import { COLORS, Figure, margins, titleOf } from '../plot/figure';
import { confusedPairs, runLabel, RunLike } from './tables';

/** Input of modelComparisonFigure. */
export function modelResults(runs: RunLike[]): ModelResult[] {
  return runs.map((r) => ({ name: runLabel(r), testAccuracy: r.summary.testAccuracy, params: r.summary.params, trainSeconds: r.summary.trainSeconds }));
}

/** Heatmap of F1 per model (rows) and digit (columns), values written in the cells: the hard digits stand out as a column. */
export function perClassF1Figure(runs: RunLike[], opts: { title?: string } = {}): Figure {
  const z = runs.map((r) => r.summary.perClass.map((m) => m.f1));
  const digits = (z[0] ?? []).map((_, d) => String(d));
  const names = runs.map(runLabel);
  const lowest = Math.min(...z.flat());
  const title = titleOf(opts.title ?? 'F1 per digit and model');
  return {
    data: [
      {
        type: 'heatmap',
        z,
        x: digits,
        y: names,
        text: z.map((row) => row.map((v) => v.toFixed(3))),
        texttemplate: '%{text}',
        // Red (worst) through yellow to green (best); plotly.js has no named red-yellow-green scale.
        colorscale: [
          [0, '#d73027'],
          [0.5, '#fee08b'],
          [1, '#1a9850'],
        ],
        zmin: Math.max(0, Math.floor(lowest * 100) / 100),
        zmax: 1,
        colorbar: { title: { text: 'F1' }, thickness: 12 },
        hovertemplate: '%{y}, digit %{x}: F1 %{z:.4f}<extra></extra>',
      },
    ],
    layout: {
      title,
      width: 900,
      height: 160 + 40 * runs.length,
      margin: margins(!!title, { l: 130 }),
      xaxis: { title: { text: 'digit' }, type: 'category' },
      yaxis: { type: 'category', autorange: 'reversed' },
    },
  };
}

/** The `top` most confused (true → predicted) pairs over all runs, as bars stacked by run. */
export function confusedPairsFigure(runs: RunLike[], opts: { top?: number; title?: string } = {}): Figure {
  const perRun = runs.map((r) => new Map(confusedPairs(r.summary.confusionMatrix).map((p) => [`${p.trueLabel} → ${p.predicted}`, p.count])));
  const totals = new Map<string, number>();
  for (const pairs of perRun) for (const [pair, count] of pairs) totals.set(pair, (totals.get(pair) ?? 0) + count);
  const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, opts.top ?? 10).map(([pair]) => pair);
  const title = titleOf(opts.title ?? 'Most confused digit pairs (true → predicted)');
  return {
    data: runs.map((r, i) => ({
      type: 'bar',
      name: runLabel(r),
      x: top,
      y: top.map((pair) => perRun[i].get(pair) ?? 0),
      marker: { color: COLORS[i % COLORS.length] },
      hovertemplate: `${runLabel(r)}: %{y} test images %{x}<extra></extra>`,
    })),
    layout: {
      title,
      width: 900,
      height: 420,
      margin: margins(!!title),
      barmode: 'stack',
      xaxis: { title: { text: 'true → predicted' }, type: 'category' },
      yaxis: { title: { text: 'test images' } },
    },
  };
}
