/** Per-class precision / recall / F1 as grouped bars. */
import type { ClassMetrics } from '../eval/metrics';
import { COLORS, Figure, Trace, margins, titleOf } from './figure';

export interface PerClassOptions {
  /** Class names indexed by class (default '0', '1', ...). */
  labels?: string[];
  /** Default 'Per-class metrics'; '' for none. */
  title?: string;
  /**
   * y-axis range. 'full' = [0, 1]; 'zoom' (default) starts just below the smallest value (rounded
   * down to 0.05) so differences between 0.97 and 0.99 are visible; or an explicit [min, max].
   */
  yRange?: 'full' | 'zoom' | [number, number];
  width?: number;
  height?: number;
}

const METRICS = ['precision', 'recall', 'f1'] as const;

/** Lower end of the zoomed y axis: 0.05 below the smallest value, rounded down to 0.05, at least 0. */
export function zoomedFloor(values: number[]): number {
  const min = Math.min(...values.filter(Number.isFinite));
  if (!Number.isFinite(min)) return 0;
  return Math.max(0, Math.floor((min - 0.05) * 20 + 1e-9) / 20);
}

/** Three bar traces (precision, recall, f1), x = class, grouped; hover also shows the support. */
export function perClassFigure(perClass: ClassMetrics[], opts: PerClassOptions = {}): Figure {
  const labels = opts.labels ?? perClass.map((_, i) => String(i));
  if (labels.length !== perClass.length) throw new Error(`perClassFigure: ${labels.length} labels for ${perClass.length} classes`);
  const data: Trace[] = METRICS.map((key, k) => ({
    type: 'bar',
    name: key === 'f1' ? 'F1' : key,
    x: labels,
    y: perClass.map((m) => m[key]),
    marker: { color: COLORS[k] },
    customdata: perClass.map((m) => m.support),
    hovertemplate: `class %{x} ${key}: %{y:.4f}<br>support %{customdata}<extra></extra>`,
  }));
  const values = perClass.flatMap((m) => METRICS.map((k) => m[k]));
  const mode = opts.yRange ?? 'zoom';
  const range: [number, number] = Array.isArray(mode) ? mode : mode === 'full' ? [0, 1] : [zoomedFloor(values), 1];
  const title = titleOf(opts.title ?? 'Per-class metrics');
  return {
    data,
    layout: {
      title,
      margin: margins(!!title, { t: title ? 90 : 50 }),
      width: opts.width ?? 800,
      height: opts.height ?? 420,
      barmode: 'group',
      xaxis: { title: { text: 'class' }, type: 'category' },
      yaxis: { title: { text: 'score' }, range },
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.02, yanchor: 'bottom' },
    },
  };
}
