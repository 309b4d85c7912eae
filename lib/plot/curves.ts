/** Training curves (loss and accuracy, train and validation, per epoch) from metrics.jsonl rows. */
import type { EpochMetrics } from '../train/types';
import { COLORS, Figure, Trace, finiteOrNull, margins, titleOf } from './figure';

export interface CurvesOptions {
  /** Default 'Training curves'; '' for none. */
  title?: string;
  width?: number;
  height?: number;
  /** Show accuracy as percent (0–100) instead of a fraction. Default false. */
  percent?: boolean;
}

const TRAIN = COLORS[0];
const VAL = COLORS[1];

/**
 * Two side-by-side subplots: loss (left, axes x/y) and accuracy (right, axes x2/y2), each with a
 * train and a validation line over epochs. Rows are sorted by epoch (the input is not modified).
 * Missing/non-finite values become gaps; validation traces are omitted when no epoch has them
 * (e.g. valFraction = 0).
 */
export function trainingCurvesFigure(metrics: EpochMetrics[], opts: CurvesOptions = {}): Figure {
  const rows = metrics.slice().sort((a, b) => a.epoch - b.epoch);
  const epochs = rows.map((m) => m.epoch);
  const scale = opts.percent ? 100 : 1;
  const series = (key: 'loss' | 'acc' | 'valLoss' | 'valAcc', k = 1) => rows.map((m) => {
    const v = finiteOrNull(m[key]);
    return v === null ? null : v * k;
  });
  const hasAny = (values: (number | null)[]) => values.some((v) => v !== null);
  const line = (name: string, y: (number | null)[], color: string, axis: 1 | 2, group: string, showlegend: boolean): Trace => ({
    type: 'scatter',
    mode: rows.length > 30 ? 'lines' : 'lines+markers',
    name,
    legendgroup: group,
    showlegend,
    x: epochs,
    y,
    xaxis: axis === 1 ? 'x' : 'x2',
    yaxis: axis === 1 ? 'y' : 'y2',
    line: { color, dash: group === 'validation' ? 'dash' : 'solid' },
    marker: { color, size: 5 },
    hovertemplate: `${name} epoch %{x}: %{y:.4f}<extra></extra>`,
  });

  const loss = series('loss');
  const valLoss = series('valLoss');
  const acc = series('acc', scale);
  const valAcc = series('valAcc', scale);
  const hasVal = hasAny(valLoss) || hasAny(valAcc);
  const data: Trace[] = [line('train loss', loss, TRAIN, 1, 'train', true)];
  if (hasVal) data.push(line('validation loss', valLoss, VAL, 1, 'validation', true));
  data.push(line('train accuracy', acc, TRAIN, 2, 'train', false));
  if (hasVal) data.push(line('validation accuracy', valAcc, VAL, 2, 'validation', false));
  // The legend shows one entry per group ('train loss' / 'validation loss'); name it by split instead.
  data[0].name = 'train';
  if (hasVal) data[1].name = 'validation';

  const epochAxis = { title: { text: 'epoch' }, tickformat: 'd', zeroline: false };
  const title = titleOf(opts.title ?? 'Training curves');
  return {
    data,
    layout: {
      title,
      margin: margins(!!title, { t: title ? 80 : 40 }),
      width: opts.width ?? 900,
      height: opts.height ?? 400,
      xaxis: { ...epochAxis, domain: [0, 0.45], anchor: 'y' },
      yaxis: { title: { text: 'loss' }, anchor: 'x', rangemode: 'tozero' },
      xaxis2: { ...epochAxis, domain: [0.55, 1], anchor: 'y2' },
      yaxis2: { title: { text: opts.percent ? 'accuracy (%)' : 'accuracy' }, anchor: 'x2' },
      annotations: [
        { text: 'loss', x: 0.225, y: 1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false },
        { text: 'accuracy', x: 0.775, y: 1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false },
      ],
    },
  };
}
