/** Figures of the data notebook: sample digits per class, class balance, mean digit per class, grey-level histogram. */
import type { DigitSet } from '../data/mnist';
import { COLORS, Figure, greyImageTrace, margins, titleOf } from '../plot/figure';

/**
 * Lays square images out on a grid in ONE heatmap matrix (cheap to draw, unlike one subplot per digit),
 * with `gap` null pixels between tiles so the background shows through. Missing tiles stay empty.
 */
export function tileImages(rows: (ArrayLike<number> | undefined)[][], side: number, gap = 2): (number | null)[][] {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const height = rows.length * (side + gap) - gap;
  const width = cols * (side + gap) - gap;
  const z: (number | null)[][] = Array.from({ length: Math.max(0, height) }, () => new Array<number | null>(Math.max(0, width)).fill(null));
  rows.forEach((row, r) =>
    row.forEach((image, c) => {
      if (!image) return;
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) z[r * (side + gap) + y][c * (side + gap) + x] = image[y * side + x];
    }),
  );
  return z;
}

function imageAt(set: DigitSet, index: number): Float32Array {
  const pixels = set.height * set.width;
  return Float32Array.from(set.images.subarray(index * pixels, (index + 1) * pixels), (v) => v / 255);
}

/** Image axes: no ticks or grid, y reversed so digits are upright, square pixels. */
function imageAxes(extraY: Record<string, unknown> = {}) {
  const hidden = { showgrid: false, zeroline: false, ticks: '' };
  return {
    xaxis: { ...hidden, showticklabels: false, constrain: 'domain' },
    yaxis: { ...hidden, showticklabels: false, autorange: 'reversed', scaleanchor: 'x', constrain: 'domain', ...extraY },
  };
}

/** One row per digit (labelled on the left), `indices[d]` across. */
export function digitSamplesFigure(set: DigitSet, indices: number[][], opts: { title?: string; pixelSize?: number } = {}): Figure {
  const side = set.height;
  const gap = 2;
  const z = tileImages(indices.map((row) => row.map((i) => imageAt(set, i))), side, gap);
  const px = opts.pixelSize ?? 2;
  const title = titleOf(opts.title ?? 'Sample digits per class');
  const rowCentres = indices.map((_, r) => r * (side + gap) + side / 2);
  return {
    data: [greyImageTrace(z)],
    layout: {
      title,
      width: (z[0]?.length ?? 0) * px + 80,
      height: z.length * px + (title ? 80 : 40),
      margin: { l: 50, r: 20, t: title ? 60 : 20, b: 20 },
      ...imageAxes({ showticklabels: true, tickmode: 'array', tickvals: rowCentres, ticktext: indices.map((_, d) => String(d)), title: { text: 'digit' } }),
      plot_bgcolor: 'white',
    },
  };
}

/** Share of each digit in the training and test sets, with the counts on hover; the dotted line is a perfectly balanced 10%. */
export function classBalanceFigure(train: number[], test: number[], opts: { title?: string } = {}): Figure {
  const digits = train.map((_, d) => String(d));
  const bar = (name: string, counts: number[], color: string) => {
    const total = counts.reduce((a, b) => a + b, 0);
    return {
      type: 'bar',
      name: `${name} (${total.toLocaleString('en-US')})`,
      x: digits,
      y: counts.map((c) => c / total),
      customdata: counts,
      marker: { color },
      hovertemplate: `${name} digit %{x}: %{customdata} images (%{y:.2%})<extra></extra>`,
    };
  };
  const title = titleOf(opts.title ?? 'Class balance');
  return {
    data: [bar('train', train, COLORS[0]), bar('test', test, COLORS[1])],
    layout: {
      title,
      width: 800,
      height: 400,
      margin: margins(!!title),
      barmode: 'group',
      xaxis: { title: { text: 'digit' }, type: 'category' },
      yaxis: { title: { text: 'share of the set' }, tickformat: '.0%', rangemode: 'tozero' },
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 0.1, y1: 0.1, line: { dash: 'dot', color: '#888', width: 1 } }],
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 1.02, yanchor: 'bottom' },
    },
  };
}

/** The average image of each digit, in two rows of five: where the ink usually is. */
export function meanDigitsFigure(meanImages: number[][], side: number, opts: { title?: string; pixelSize?: number } = {}): Figure {
  const gap = 8; // room for the labels under the first row
  const cols = 5;
  const rows = Array.from({ length: Math.ceil(meanImages.length / cols) }, (_, r) => meanImages.slice(r * cols, (r + 1) * cols));
  const z = tileImages(rows, side, gap);
  const px = opts.pixelSize ?? 4;
  const title = titleOf(opts.title ?? 'Mean image of each digit');
  const top = title ? 60 : 20;
  const max = Math.max(...meanImages.flat());
  return {
    data: [{ type: 'heatmap', z, colorscale: 'Viridis', zmin: 0, zmax: max, colorbar: { title: { text: 'mean grey' }, thickness: 12 }, hovertemplate: 'mean grey %{z:.2f}<extra></extra>' }],
    layout: {
      title,
      width: (z[0]?.length ?? 0) * px + 160,
      height: (z.length + gap) * px + top + 10,
      margin: { l: 20, r: 120, t: top, b: 10 },
      ...imageAxes({ autorange: false, range: [z.length + gap - 0.5, -0.5] }),
      annotations: meanImages.map((_, d) => ({
        text: String(d),
        x: (d % cols) * (side + gap) + side / 2 - 0.5,
        y: Math.floor(d / cols) * (side + gap) + side,
        xref: 'x',
        yref: 'y',
        yanchor: 'top',
        showarrow: false,
      })),
      plot_bgcolor: 'white',
    },
  };
}

/** How many pixels have each grey level, on a log scale: MNIST is mostly pure background with a peak of saturated ink. */
export function greyLevelFigure(histogram: number[], opts: { title?: string } = {}): Figure {
  const title = titleOf(opts.title ?? 'Grey levels of all pixels');
  return {
    data: [{ type: 'bar', x: histogram.map((_, v) => v), y: histogram, marker: { color: COLORS[0] }, hovertemplate: 'grey %{x}: %{y} pixels<extra></extra>' }],
    layout: {
      title,
      width: 800,
      height: 380,
      margin: margins(!!title),
      bargap: 0,
      xaxis: { title: { text: 'grey level (0 = background, 255 = ink)' }, range: [-1, 256] },
      yaxis: { title: { text: 'pixels' }, type: 'log', dtick: 1, exponentformat: 'SI' },
    },
  };
}
