/** Grid of (misclassified) example digits, each titled "true 3 → pred 5 (87%)". */
import { Figure, greyImageTrace, Trace, cellTitle, imageGridLayout, reshape, squareSide, subplotGrid, titleOf } from './figure';

export interface Example {
  /** Row-major image, 784 values in [0, 1] for MNIST (any square size works). */
  pixels: Float32Array | ArrayLike<number>;
  trueLabel: number;
  predicted: number;
  /** Probability of the predicted class, in [0, 1]. */
  confidence: number;
}

export interface ExamplesOptions {
  /** Columns of the grid (default: up to 6). */
  cols?: number;
  /** Show at most this many examples (default: all). */
  max?: number;
  /** Class names indexed by label (default: the label number). */
  labels?: string[];
  /** Default 'Misclassified examples'; '' for none. */
  title?: string;
  /** Pixel size of one panel (default 150). */
  panelSize?: number;
}

/** "true 3 → pred 5 (87%)" */
export function exampleTitle(ex: Example, labels?: string[]): string {
  const name = (l: number) => labels?.[l] ?? String(l);
  return `true ${name(ex.trueLabel)} → pred ${name(ex.predicted)} (${Math.round(ex.confidence * 100)}%)`;
}

/**
 * One heatmap subplot per example (grey, 0 = black, 1 = white, y reversed so the image is upright,
 * square pixels), with a title annotation above each panel. Trace i is example i on axes x(i+1)/y(i+1).
 */
export function examplesGridFigure(examples: Example[], opts: ExamplesOptions = {}): Figure {
  const shown = examples.slice(0, opts.max ?? examples.length);
  const cols = Math.max(1, Math.min(opts.cols ?? 6, shown.length || 1));
  const cells = subplotGrid(shown.length, cols, { xGap: 0.02, yGap: 0.12 / Math.max(1, Math.ceil(shown.length / cols)) + 0.04 });
  const rows = Math.max(1, Math.ceil(shown.length / cols));
  const panel = opts.panelSize ?? 150;

  const data: Trace[] = shown.map((ex, i) => {
    const side = squareSide(ex.pixels.length, `examplesGridFigure: example ${i} pixels`);
    return greyImageTrace(reshape(ex.pixels, side, side), { xaxis: cells[i].xref, yaxis: cells[i].yref }, exampleTitle(ex, opts.labels));
  });

  return {
    data,
    layout: {
      ...imageGridLayout(cells, { cols, rows, panel, titleRoom: 25 }, titleOf(opts.title ?? 'Misclassified examples')),
      annotations: shown.length
        ? cells.map((c, i) => cellTitle(c, exampleTitle(shown[i], opts.labels), 11))
        : [{ text: 'no examples', x: 0.5, y: 0.5, xref: 'paper', yref: 'paper', showarrow: false }],
      plot_bgcolor: 'white',
    },
  };
}

/** Alias that reads better at call sites showing errors. */
export const misclassifiedFigure = examplesGridFigure;
