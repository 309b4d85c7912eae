/** Confusion matrix as an annotated heatmap (counts, or normalised by true label / by prediction). */
import { Annotation, Figure, margins, titleOf } from './figure';

/** 'none' = counts; 'true' = each row (true label) sums to 1 (recall on the diagonal); 'pred' = each column sums to 1 (precision). */
export type ConfusionNormalize = 'none' | 'true' | 'pred';

export interface ConfusionOptions {
  normalize?: ConfusionNormalize;
  /** Class names, one per row/column; default '0', '1', ... */
  labels?: string[];
  /** Default depends on `normalize`; pass '' for no title. */
  title?: string;
  /** Plotly colorscale name or [[0, colour], ..., [1, colour]]; default white → dark blue. */
  colorscale?: string | [number, string][];
  /** Decimals shown in the cells of normalised views (default 2). */
  decimals?: number;
  /** Pixel size of the (square-ish) figure; default 560×520. */
  width?: number;
  height?: number;
}

function checkSquare(matrix: number[][]): number {
  const n = matrix.length;
  if (n === 0) throw new Error('confusionMatrixFigure: empty matrix');
  matrix.forEach((row, i) => {
    if (row.length !== n) throw new Error(`confusionMatrixFigure: matrix must be square, row ${i} has ${row.length} values for ${n} rows`);
  });
  return n;
}

/**
 * Normalise a confusion matrix (matrix[true][pred]). Rows/columns that sum to 0 stay all-zero.
 * Returns a new matrix; the input is not modified.
 */
export function normalizeConfusion(matrix: number[][], normalize: ConfusionNormalize): number[][] {
  const n = checkSquare(matrix);
  if (normalize === 'none') return matrix.map((row) => row.slice());
  if (normalize === 'true') {
    return matrix.map((row) => {
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((v) => (sum === 0 ? 0 : v / sum));
    });
  }
  if (normalize === 'pred') {
    const colSums = Array.from({ length: n }, (_, c) => matrix.reduce((a, row) => a + row[c], 0));
    return matrix.map((row) => row.map((v, c) => (colSums[c] === 0 ? 0 : v / colSums[c])));
  }
  throw new Error(`normalizeConfusion: unknown normalize '${normalize as string}' (use 'none', 'true' or 'pred')`);
}

/** White → dark blue (plotly's own 'Blues' runs dark → light). */
export const BLUES: [number, string][] = [
  [0, '#f7fbff'],
  [0.125, '#deebf7'],
  [0.25, '#c6dbef'],
  [0.375, '#9ecae1'],
  [0.5, '#6baed6'],
  [0.625, '#4292c6'],
  [0.75, '#2171b5'],
  [0.875, '#08519c'],
  [1, '#08306b'],
];

const DEFAULT_TITLES: Record<ConfusionNormalize, string> = {
  none: 'Confusion matrix',
  true: 'Confusion matrix (normalised by true label)',
  pred: 'Confusion matrix (normalised by prediction)',
};

/**
 * Heatmap of matrix[trueLabel][predictedLabel]: x = predicted, y = true (row 0 at the top), one
 * annotation per cell (the count, or the normalised value). Hover shows both the count and the value.
 */
export function confusionMatrixFigure(matrix: number[][], opts: ConfusionOptions = {}): Figure {
  const n = checkSquare(matrix);
  const normalize = opts.normalize ?? 'none';
  const labels = opts.labels ?? Array.from({ length: n }, (_, i) => String(i));
  if (labels.length !== n) throw new Error(`confusionMatrixFigure: ${labels.length} labels for a ${n}×${n} matrix`);
  const decimals = opts.decimals ?? 2;
  const z = normalizeConfusion(matrix, normalize);
  const cellText = (r: number, c: number) => (normalize === 'none' ? String(matrix[r][c]) : z[r][c].toFixed(decimals));
  const text = z.map((row, r) => row.map((_, c) => cellText(r, c)));

  let zmax = 0;
  for (const row of z) for (const v of row) zmax = Math.max(zmax, v);
  if (normalize !== 'none') zmax = 1;
  // Dark cells get white text.
  const annotations: Annotation[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      annotations.push({
        text: text[r][c],
        x: c,
        y: r,
        xref: 'x',
        yref: 'y',
        showarrow: false,
        font: { size: n > 15 ? 8 : 12, color: zmax > 0 && z[r][c] / zmax > 0.5 ? 'white' : 'black' },
      });
    }
  }
  const ticks = { tickmode: 'array', tickvals: labels.map((_, i) => i), ticktext: labels, showgrid: false, zeroline: false };
  const valueName = normalize === 'none' ? 'count' : normalize === 'true' ? 'fraction of true' : 'fraction of predicted';
  const title = titleOf(opts.title ?? DEFAULT_TITLES[normalize]);
  return {
    data: [
      {
        type: 'heatmap',
        z,
        x: labels.map((_, i) => i),
        y: labels.map((_, i) => i),
        text,
        customdata: matrix.map((row, r) => row.map((count, c) => [labels[r], labels[c], count])),
        hovertemplate: `true %{customdata[0]} → pred %{customdata[1]}<br>count %{customdata[2]}${
          normalize === 'none' ? '' : `<br>${valueName} %{z:.3f}`
        }<extra></extra>`,
        colorscale: opts.colorscale ?? BLUES,
        zmin: 0,
        zmax: zmax || 1,
        colorbar: { title: { text: valueName } },
      },
    ],
    layout: {
      title,
      margin: margins(!!title),
      width: opts.width ?? 560,
      height: opts.height ?? 520,
      xaxis: { ...ticks, title: { text: 'predicted label' }, side: 'bottom', constrain: 'domain' },
      yaxis: { ...ticks, title: { text: 'true label' }, autorange: 'reversed', scaleanchor: 'x', constrain: 'domain' },
      annotations,
    },
  };
}
