/** A 2-D embedding of test images (e.g. UMAP of penultimate features), coloured by true digit, mistakes ringed. */
import { COLORS, Figure, Trace, margins, titleOf } from './figure';

export interface EmbeddingFigureOptions {
  /** Default '2-D embedding'; '' for none. */
  title?: string;
  /** Axis titles (default 'dimension 1', 'dimension 2'). */
  axisTitles?: [string, string];
}

/**
 * One scatter trace per true digit (legend toggles digits), then one trace of black rings over the
 * misclassified points whose hover says what they were taken for. Points, labels and predictions align.
 */
export function embeddingFigure(points: number[][], labels: ArrayLike<number>, predictions: ArrayLike<number>, opts: EmbeddingFigureOptions = {}): Figure {
  if (points.length !== labels.length || labels.length !== predictions.length) {
    throw new Error(`embeddingFigure: ${points.length} points, ${labels.length} labels and ${predictions.length} predictions must match`);
  }
  const digits = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const data: Trace[] = digits.map((digit) => {
    const members = points.map((_, i) => i).filter((i) => labels[i] === digit);
    return {
      type: 'scatter',
      mode: 'markers',
      name: String(digit),
      x: members.map((i) => points[i][0]),
      y: members.map((i) => points[i][1]),
      marker: { color: COLORS[digit % COLORS.length], size: 4, opacity: 0.7 },
      hovertemplate: `true ${digit}<extra></extra>`,
    };
  });
  const wrong = points.map((_, i) => i).filter((i) => labels[i] !== predictions[i]);
  data.push({
    type: 'scatter',
    mode: 'markers',
    name: `mistakes (${wrong.length})`,
    x: wrong.map((i) => points[i][0]),
    y: wrong.map((i) => points[i][1]),
    text: wrong.map((i) => `true ${labels[i]} → pred ${predictions[i]}`),
    marker: { color: 'rgba(0,0,0,0)', size: 9, line: { color: 'black', width: 1.5 } },
    hovertemplate: '%{text}<extra></extra>',
  });
  const [xTitle, yTitle] = opts.axisTitles ?? ['dimension 1', 'dimension 2'];
  const title = titleOf(opts.title ?? '2-D embedding');
  return {
    data,
    layout: {
      title,
      width: 760,
      height: 640,
      margin: margins(!!title),
      xaxis: { title: { text: xTitle }, zeroline: false },
      yaxis: { title: { text: yTitle }, zeroline: false, scaleanchor: 'x' },
      legend: { title: { text: 'true digit' } },
      plot_bgcolor: 'white',
    },
  };
}
