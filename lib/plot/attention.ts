/** Attention maps over a patch grid, upsampled to the image and overlaid on the digit. */
import type { AttentionMap } from '../models/attention';
import { Figure, greyImageTrace, Trace, cellTitle, imageGridLayout, reshape, squareSide, subplotGrid, titleOf, toArray } from './figure';

export interface AttentionOptions {
  /** Patches per side; default sqrt(attention length). */
  gridSize?: number;
  /** Panels per row (default up to 4). */
  cols?: number;
  /** Opacity of the attention heatmap over the digit (default 0.55). */
  opacity?: number;
  /** Plotly colorscale for the attention (default 'Jet'). */
  colorscale?: string;
  /**
   * 'panel' (default): min–max scale each map to [0, 1]; 'global': one min–max over all maps so panels
   * are comparable; 'none': raw weights.
   */
  normalize?: 'panel' | 'global' | 'none';
  /** Add a first panel with the digit alone (default true). */
  showInput?: boolean;
  /** Default 'Attention maps'; '' for none. */
  title?: string;
  /** Pixel size of one panel (default 200). */
  panelSize?: number;
}

function flatten(att: ArrayLike<number> | number[][]): number[] {
  const a = att as ArrayLike<unknown>;
  if (a.length > 0 && Array.isArray(a[0])) return (att as number[][]).flat();
  return toArray(att as ArrayLike<number>);
}

/**
 * Nearest-neighbour upsampling of a g×g grid (flat, row-major) to size×size: pixel (r, c) takes the value
 * of patch (floor(r·g/size), floor(c·g/size)). For 28×28 and g = 7 (4-pixel patches) this is exact.
 */
export function upsampleGrid(grid: ArrayLike<number>, gridSize: number, size: number): number[][] {
  if (grid.length !== gridSize * gridSize) throw new Error(`upsampleGrid: expected ${gridSize * gridSize} values for a ${gridSize}×${gridSize} grid, got ${grid.length}`);
  const out: number[][] = [];
  for (let r = 0; r < size; r++) {
    const gr = Math.floor((r * gridSize) / size);
    const row: number[] = [];
    for (let c = 0; c < size; c++) row.push(grid[gr * gridSize + Math.floor((c * gridSize) / size)]);
    out.push(row);
  }
  return out;
}

export function minMax(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

export const scaleTo01 = (values: number[], [lo, hi]: [number, number]) => values.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));

/**
 * One panel per map: the digit as a grey heatmap with the upsampled attention heatmap on top (same
 * axes, `opacity`). Panels are square, y reversed so the digit is upright. With showInput, panel 0 is
 * the digit alone. Traces come in (image, attention) pairs per panel.
 */
export function attentionOverlayFigure(image: ArrayLike<number>, maps: AttentionMap[], opts: AttentionOptions = {}): Figure {
  const size = squareSide(image.length, 'attentionOverlayFigure: image');
  const pixels = reshape(image, size, size);
  const flat = maps.map((m) => flatten(m.attention));
  const gridSize = opts.gridSize ?? (flat.length ? squareSide(flat[0].length, `attentionOverlayFigure: attention '${maps[0].title}'`) : 1);
  flat.forEach((a, i) => {
    if (a.length !== gridSize * gridSize) {
      throw new Error(`attentionOverlayFigure: attention '${maps[i].title}' has ${a.length} values, expected ${gridSize}×${gridSize} = ${gridSize * gridSize}`);
    }
  });
  const normalize = opts.normalize ?? 'panel';
  const global = minMax(flat.flat());
  const scaled = flat.map((a) => (normalize === 'panel' ? scaleTo01(a, minMax(a)) : normalize === 'global' ? scaleTo01(a, global) : a));
  const [zmin, zmax] = normalize === 'none' ? global : [0, 1];

  const showInput = opts.showInput ?? true;
  const panels = maps.length + (showInput ? 1 : 0);
  const cols = Math.max(1, Math.min(opts.cols ?? 4, panels || 1));
  const cells = subplotGrid(panels, cols, { xGap: 0.03, yGap: 0.1 });
  const titles: string[] = [];
  const data: Trace[] = [];
  const imageTrace = (i: number): Trace => greyImageTrace(pixels, { xaxis: cells[i].xref, yaxis: cells[i].yref });
  if (showInput) {
    data.push(imageTrace(0));
    titles.push('input');
  }
  maps.forEach((m, k) => {
    const i = k + (showInput ? 1 : 0);
    data.push(imageTrace(i));
    data.push({
      type: 'heatmap',
      name: m.title,
      z: upsampleGrid(scaled[k], gridSize, size),
      customdata: upsampleGrid(flat[k], gridSize, size),
      xaxis: cells[i].xref,
      yaxis: cells[i].yref,
      colorscale: opts.colorscale ?? 'Jet',
      zmin,
      zmax,
      opacity: opts.opacity ?? 0.55,
      showscale: k === 0,
      colorbar: {
        title: { text: normalize === 'none' ? 'attention' : normalize === 'panel' ? 'attention<br>(per panel)' : 'attention<br>(scaled)' },
        thickness: 12,
      },
      hovertemplate: `${m.title}<br>row %{y}, col %{x}<br>attention %{customdata:.4f}<extra></extra>`,
    });
    titles.push(m.title);
  });

  const panel = opts.panelSize ?? 200;
  const rows = Math.max(1, Math.ceil(panels / cols));
  const title = titleOf(opts.title ?? 'Attention maps');
  return {
    data,
    layout: {
      ...imageGridLayout(cells, { cols, rows, panel, titleRoom: 30 }, title, { right: 100, x: { range: [-0.5, size - 0.5] } }),
      annotations: cells.map((c, i) => cellTitle(c, titles[i])),
    },
  };
}
