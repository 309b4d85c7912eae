/**
 * Grids of digits with a heat map laid over each (saliency, Grad-CAM, attention rollout), in groups shown
 * side by side, e.g. correct predictions on the left and mistakes on the right.
 */
import { minMax, scaleTo01, upsampleGrid } from './attention';
import { Annotation, Figure, greyImageTrace, GridCell, GridRoom, Trace, cellTitle, imageGridLayout, reshape, squareSide, subplotGrid, titleOf, toArray } from './figure';

export interface OverlayPanel {
  /** Panel title, e.g. 'true 4 → pred 9 (87%)'. */
  title: string;
  /** Row-major square image, values in [0, 1]. */
  pixels: ArrayLike<number>;
  /** Square heat map, row-major, at the image's size or a coarser grid dividing it (upsampled); none: the digit alone. */
  heat?: ArrayLike<number>;
}

export interface OverlayGroup {
  /** Heading above the group's columns ('' for none). */
  title: string;
  panels: OverlayPanel[];
}

export interface OverlayGridOptions {
  /** Panels per row within each group (default 4). */
  cols?: number;
  /** Opacity of the heat map over the digit (default 0.55). */
  opacity?: number;
  /** Plotly colorscale of the heat (default 'Jet'). */
  colorscale?: string;
  /** Colorbar title (default 'relevance'); each map is min–max scaled to [0, 1] on its own. */
  heatName?: string;
  /** Default 'Overlays'; '' for none. */
  title?: string;
  /** Pixel size of one panel (default 130). */
  panelSize?: number;
}

/**
 * Each group takes `cols` columns and as many rows as it needs, one empty column between groups. Traces
 * come per panel: the digit (grey heatmap), then its overlay on the same axes when it has a heat map.
 */
export function overlayGridFigure(groups: OverlayGroup[], opts: OverlayGridOptions = {}): Figure {
  const cols = Math.max(1, opts.cols ?? 4);
  const widths = groups.map((g) => Math.max(1, Math.min(cols, g.panels.length)));
  const rows = Math.max(1, ...groups.map((g, i) => Math.ceil(g.panels.length / widths[i])));
  const totalCols = widths.reduce((a, b) => a + b, 0) + Math.max(0, groups.length - 1);
  const grid = subplotGrid(rows * totalCols, totalCols, { xGap: 0.02, yGap: 0.1 / rows + 0.03 });
  const data: Trace[] = [];
  const used: GridCell[] = [];
  let size = 28;
  const annotations: Annotation[] = [];
  let firstColumn = 0;
  let colorbar = true;
  groups.forEach((group, g) => {
    group.panels.forEach((panel, p) => {
      const cell = grid[Math.floor(p / widths[g]) * totalCols + firstColumn + (p % widths[g])];
      used.push(cell);
      const side = squareSide(panel.pixels.length, `overlayGridFigure: '${panel.title}' pixels`);
      size = side;
      const axes = { xaxis: cell.xref, yaxis: cell.yref };
      data.push(greyImageTrace(reshape(panel.pixels, side, side), axes));
      if (panel.heat) {
        const heat = toArray(panel.heat);
        const heatSide = squareSide(heat.length, `overlayGridFigure: '${panel.title}' heat`);
        if (side % heatSide !== 0) throw new Error(`overlayGridFigure: '${panel.title}' has a ${heatSide}×${heatSide} heat map, which does not divide the ${side}×${side} image`);
        data.push({
          type: 'heatmap',
          name: panel.title,
          z: upsampleGrid(scaleTo01(heat, minMax(heat)), heatSide, side),
          customdata: upsampleGrid(heat, heatSide, side),
          ...axes,
          colorscale: opts.colorscale ?? 'Jet',
          zmin: 0,
          zmax: 1,
          opacity: opts.opacity ?? 0.55,
          showscale: colorbar,
          colorbar: { title: { text: `${opts.heatName ?? 'relevance'}<br>(per panel)` }, thickness: 12 },
          hovertemplate: `${panel.title}<br>row %{y}, col %{x}<br>%{customdata:.3g}<extra></extra>`,
        });
        colorbar = false;
      }
      annotations.push(cellTitle(cell, panel.title, 10));
    });
    if (group.title && group.panels.length) {
      const left = grid[firstColumn].xDomain[0];
      const right = grid[firstColumn + widths[g] - 1].xDomain[1];
      annotations.push({ text: `<b>${group.title}</b>`, x: (left + right) / 2, y: 1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', yshift: 18, showarrow: false });
    }
    firstColumn += widths[g] + 1;
  });
  const panel = opts.panelSize ?? 130;
  const title = titleOf(opts.title ?? 'Overlays');
  const room: GridRoom = { right: 110, extraTop: groups.some((g) => g.title) ? 20 : 0, x: { range: [-0.5, size - 0.5] } };
  return {
    data,
    layout: {
      ...imageGridLayout(used, { cols: totalCols, rows, panel, titleRoom: 25 }, title, room),
      annotations,
      plot_bgcolor: 'white',
    },
  };
}
