/** Model comparison: test accuracy per model (bars) and accuracy against size or training time (scatter). */
import { COLORS, Figure, margins, titleOf } from './figure';

export interface ModelResult {
  name: string;
  /** Fraction in [0, 1]. */
  testAccuracy: number;
  params: number;
  trainSeconds: number;
}

export interface ComparisonOptions {
  /** x of the scatter: parameter count (default) or training time. */
  versus?: 'params' | 'trainSeconds';
  /** Default 'Model comparison'; '' for none. */
  title?: string;
  /** Order of the bars: as given (default) or by accuracy, best first. */
  sort?: 'none' | 'accuracy';
  /** Log x axis for the scatter; default true when all x are > 0 and span more than 10×. */
  logX?: boolean;
  width?: number;
  height?: number;
}

function formatCount(n: number): string {
  if (Math.abs(n) >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/**
 * Left (x/y): bar of test accuracy per model with the value printed on each bar.
 * Right (x2/y2): one marker per model at (params or trainSeconds, accuracy), labelled with its name.
 * Models keep the same colour in both panels.
 */
export function modelComparisonFigure(models: ModelResult[], opts: ComparisonOptions = {}): Figure {
  const list = opts.sort === 'accuracy' ? models.slice().sort((a, b) => b.testAccuracy - a.testAccuracy) : models.slice();
  const versus = opts.versus ?? 'params';
  const xs = list.map((m) => m[versus]);
  const positive = xs.length > 0 && xs.every((v) => v > 0);
  const logX = opts.logX ?? (positive && Math.max(...xs) / Math.min(...xs) > 10);
  if (logX && !positive) throw new Error(`modelComparisonFigure: log x axis needs every ${versus} > 0`);
  const colors = list.map((_, i) => COLORS[i % COLORS.length]);
  const acc = list.map((m) => m.testAccuracy);
  const lo = acc.length ? Math.min(...acc) : 0;
  const yMin = Math.max(0, Math.floor((lo - 0.02) * 50 + 1e-9) / 50);
  const accAxis = { title: { text: 'test accuracy' }, range: [yMin, 1], tickformat: '.1%' };
  const xTitle = versus === 'params' ? 'parameters' : 'training time (s)';
  const title = titleOf(opts.title ?? 'Model comparison');
  return {
    data: [
      {
        type: 'bar',
        name: 'test accuracy',
        x: list.map((m) => m.name),
        y: acc,
        text: acc.map((a) => `${(a * 100).toFixed(2)}%`),
        textposition: 'outside',
        cliponaxis: false,
        marker: { color: colors },
        customdata: list.map((m) => [formatCount(m.params), m.trainSeconds.toFixed(1)]),
        hovertemplate: '%{x}: %{y:.2%}<br>params %{customdata[0]}, train %{customdata[1]} s<extra></extra>',
        showlegend: false,
        xaxis: 'x',
        yaxis: 'y',
      },
      {
        type: 'scatter',
        mode: 'text+markers',
        name: `accuracy vs ${versus === 'params' ? 'parameters' : 'time'}`,
        x: xs,
        y: acc,
        text: list.map((m) => m.name),
        textposition: 'top center',
        marker: { color: colors, size: 11 },
        customdata: list.map((m) => formatCount(m.params)),
        hovertemplate:
          versus === 'params'
            ? '%{text}: %{y:.2%} with %{customdata} params<extra></extra>'
            : '%{text}: %{y:.2%} after %{x:.1f} s<extra></extra>',
        showlegend: false,
        cliponaxis: false,
        xaxis: 'x2',
        yaxis: 'y2',
      },
    ],
    layout: {
      title,
      margin: margins(!!title, { t: title ? 90 : 50, l: 70 }),
      width: opts.width ?? 1000,
      height: opts.height ?? 450,
      xaxis: { domain: [0, 0.45], anchor: 'y', type: 'category', title: { text: 'model' } },
      yaxis: { ...accAxis, anchor: 'x' },
      xaxis2: { domain: [0.55, 1], anchor: 'y2', type: logX ? 'log' : 'linear', title: { text: xTitle } },
      yaxis2: { ...accAxis, anchor: 'x2' },
      annotations: [
        { text: 'test accuracy', x: 0.225, y: 1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false, yshift: 8 },
        {
          text: `accuracy vs ${versus === 'params' ? 'parameters' : 'training time'}`,
          x: 0.775,
          y: 1,
          xref: 'paper',
          yref: 'paper',
          xanchor: 'center',
          yanchor: 'bottom',
          showarrow: false,
          yshift: 8,
        },
      ],
    },
  };
}
