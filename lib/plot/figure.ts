/**
 * Plain plotly figure objects and small layout helpers shared by the figure builders.
 *
 * A `Figure` is exactly what `Plotly.newPlot(div, fig.data, fig.layout, fig.config)` takes: plain JSON
 * (no typed arrays, no functions), so it can be serialised into HTML or sent to a headless browser.
 */

/** A value on a plotly axis (null leaves a gap). */
export type Datum = number | string | null;

/** One plotly trace. Common fields are typed; anything else plotly accepts goes through the index signature. */
export interface Trace {
  type: string;
  name?: string;
  x?: Datum[];
  y?: Datum[];
  z?: (number | null)[][];
  text?: string | string[] | string[][];
  xaxis?: string;
  yaxis?: string;
  showlegend?: boolean;
  [key: string]: unknown;
}

export interface Annotation {
  text: string;
  x?: Datum;
  y?: Datum;
  xref?: string;
  yref?: string;
  showarrow?: boolean;
  [key: string]: unknown;
}

export interface Axis {
  title?: { text: string };
  domain?: [number, number];
  anchor?: string;
  range?: [number, number];
  autorange?: boolean | 'reversed';
  type?: 'linear' | 'log' | 'category';
  [key: string]: unknown;
}

export interface Layout {
  title?: { text: string; [key: string]: unknown };
  width?: number;
  height?: number;
  annotations?: Annotation[];
  [key: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: Layout;
  /** Optional plotly config (displaylogo, responsive, ...). */
  config?: Record<string, unknown>;
}

/** Default size (px) used when a figure has no layout.width/height. */
export const DEFAULT_WIDTH = 800;
export const DEFAULT_HEIGHT = 600;

/** Plotly's default qualitative colours, so related traces in different subplots can share a colour. */
export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The colorscale digits are drawn with: 0 black, 1 white. */
export const GREY_SCALE: [number, string][] = [
  [0, 'rgb(0,0,0)'],
  [1, 'rgb(255,255,255)'],
];

/**
 * A digit as a heat map: grey levels in [0, 1] from black to white, no colour bar; in the subplot `axes`
 * when given. With `hover`, the pointer shows it above the pixel's row, column and value; without, nothing.
 */
export function greyImageTrace(z: (number | null)[][], axes?: { xaxis: string; yaxis: string }, hover?: string): Trace {
  return {
    type: 'heatmap',
    z,
    ...axes,
    colorscale: GREY_SCALE,
    zmin: 0,
    zmax: 1,
    showscale: false,
    ...(hover === undefined ? { hoverinfo: 'skip' } : { hovertemplate: `${hover}<br>row %{y}, col %{x}: %{z:.2f}<extra></extra>` }),
  };
}

/** The trace reference of the i-th (0-based) subplot axis: 'x', 'x2', 'x3', ... */
export function axisRef(letter: 'x' | 'y', i: number): string {
  return i === 0 ? letter : `${letter}${i + 1}`;
}

/** The layout key of the i-th (0-based) subplot axis: 'xaxis', 'xaxis2', ... */
export function axisKey(letter: 'x' | 'y', i: number): string {
  return i === 0 ? `${letter}axis` : `${letter}axis${i + 1}`;
}

export function titleOf(text: string | undefined): Layout['title'] | undefined {
  return text === undefined || text === '' ? undefined : { text };
}

export interface GridCell {
  /** 0-based subplot index, row-major. */
  index: number;
  row: number;
  col: number;
  xref: string;
  yref: string;
  xDomain: [number, number];
  yDomain: [number, number];
}

export interface GridOptions {
  /** Horizontal gap between columns as a fraction of the plot width. */
  xGap?: number;
  /** Vertical gap between rows as a fraction of the plot height (room for subplot titles). */
  yGap?: number;
}

/**
 * Domains for a rows×cols grid of independent subplots (row 0 at the top), filled row-major.
 * Returns one cell per subplot; use `gridAxes` to build the matching layout axes.
 */
export function subplotGrid(count: number, cols: number, opts: GridOptions = {}): GridCell[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`subplotGrid: count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`subplotGrid: cols must be a positive integer, got ${cols}`);
  const rows = Math.max(1, Math.ceil(count / cols));
  const xGap = cols > 1 ? opts.xGap ?? 0.04 : 0;
  const yGap = rows > 1 ? opts.yGap ?? 0.08 : 0;
  const w = (1 - xGap * (cols - 1)) / cols;
  const h = (1 - yGap * (rows - 1)) / rows;
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const cells: GridCell[] = [];
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / cols);
    const col = i % cols;
    const x0 = col * (w + xGap);
    const yTop = 1 - row * (h + yGap);
    cells.push({
      index: i,
      row,
      col,
      xref: axisRef('x', i),
      yref: axisRef('y', i),
      xDomain: [round(x0), round(Math.min(1, x0 + w))],
      yDomain: [round(Math.max(0, yTop - h)), round(yTop)],
    });
  }
  return cells;
}

/** Layout axes for the cells of `subplotGrid`, each x anchored to its y and vice versa. */
export function gridAxes(cells: GridCell[], x: Axis = {}, y: Axis = {}): Record<string, Axis> {
  const axes: Record<string, Axis> = {};
  for (const c of cells) {
    axes[axisKey('x', c.index)] = { ...x, domain: c.xDomain, anchor: c.yref };
    axes[axisKey('y', c.index)] = { ...y, domain: c.yDomain, anchor: c.xref };
  }
  return axes;
}

/** Axes for a grid of image panels: no ticks, row 0 at the top, square pixels (each y scaled to its x). */
export function imageGridAxes(cells: GridCell[], x: Axis = {}): Record<string, Axis> {
  const hidden = { showticklabels: false, showgrid: false, zeroline: false, ticks: '', constrain: 'domain' };
  const axes = gridAxes(cells, { ...hidden, ...x }, { ...hidden, autorange: 'reversed' });
  for (const c of cells) axes[axisKey('y', c.index)].scaleanchor = c.xref;
  return axes;
}

/** Room a grid layout leaves: `right` for a colour bar, `extraTop` for group titles, `x` for the x axes (a range). */
export interface GridRoom {
  right?: number;
  extraTop?: number;
  x?: Axis;
}

/**
 * The layout of a grid of image panels `panel` pixels wide and `panel + titleRoom` high: the figure's
 * title (or none), compact margins, image axes; annotations and the rest are added by the caller.
 */
export function imageGridLayout(
  cells: GridCell[],
  size: { cols: number; rows: number; panel: number; titleRoom: number },
  title: Layout['title'],
  room: GridRoom = {},
): Layout {
  const right = room.right ?? 20;
  const top = (title ? 70 : 30) + (room.extraTop ?? 0);
  return {
    title,
    width: size.cols * size.panel + 20 + right,
    height: size.rows * (size.panel + size.titleRoom) + top + 20,
    margin: { l: 20, r: right, t: top, b: 20 },
    ...imageGridAxes(cells, room.x),
  };
}

/** A title annotation centred above a subplot cell. */
export function cellTitle(cell: GridCell, text: string, fontSize = 12): Annotation {
  return {
    text,
    x: (cell.xDomain[0] + cell.xDomain[1]) / 2,
    y: cell.yDomain[1],
    xref: 'paper',
    yref: 'paper',
    xanchor: 'center',
    yanchor: 'bottom',
    showarrow: false,
    font: { size: fontSize },
  };
}

/** Compact margins (plotly's defaults are t=100, b=80, l=r=80); autoexpand still grows them for colorbars/labels. */
export function margins(hasTitle: boolean, m: { l?: number; r?: number; t?: number; b?: number } = {}): Record<string, number> {
  return { l: m.l ?? 60, r: m.r ?? 30, t: m.t ?? (hasTitle ? 70 : 30), b: m.b ?? 55 };
}

/** Copy an array-like of numbers into a plain array (figures must be plain JSON). */
export function toArray(values: ArrayLike<number>): number[] {
  return Array.from(values);
}

/** Reshape a flat row-major array into `rows` rows of `cols` values. */
export function reshape(values: ArrayLike<number>, rows: number, cols: number): number[][] {
  if (values.length !== rows * cols) throw new Error(`reshape: expected ${rows * cols} values, got ${values.length}`);
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from({ length: cols }, (_, c) => values[r * cols + c]));
  return out;
}

/** Side length of a square image/grid stored flat, or an error naming `what`. */
export function squareSide(length: number, what: string): number {
  const side = Math.round(Math.sqrt(length));
  if (side < 1 || side * side !== length) throw new Error(`${what}: expected a square number of values, got ${length}`);
  return side;
}

/** Finite number or null (plotly leaves a gap for null; JSON cannot hold NaN/Infinity). */
export function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
