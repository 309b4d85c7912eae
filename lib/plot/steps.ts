/**
 * Pictures of any size side by side: the preprocessing of one image step by step (a row per image, a
 * column per step), and a whole number with the boxes of the digits read in it.
 */
import { Annotation, Figure, greyImageTrace, Trace, cellTitle, imageGridAxes, imageGridLayout, reshape, subplotGrid, titleOf } from './figure';

/** Row-major grey picture, 0 black … 1 white (the shape of lib/preprocess's GrayImage). */
export interface Picture {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export interface StepPanel {
  title: string;
  picture: Picture;
}

export interface StepsOptions {
  /** Default 'Preprocessing step by step'; '' for none. */
  title?: string;
  /** Pixel size of one panel (default 130). */
  panelSize?: number;
}

function pictureTrace(picture: Picture, xaxis: string, yaxis: string, hover: string): Trace {
  // Two decimals are all a grey level shows; the figure's JSON stays small.
  const z = reshape(Array.from(picture.data, (v) => Math.round(v * 100) / 100), picture.height, picture.width);
  return greyImageTrace(z, { xaxis, yaxis }, hover);
}

/** One row per image, its steps left to right, each panel titled; every row has as many steps. */
export function stepsFigure(rows: StepPanel[][], opts: StepsOptions = {}): Figure {
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const panels = rows.flatMap((row) => [...row, ...Array<StepPanel | undefined>(cols - row.length).fill(undefined)]);
  const cells = subplotGrid(panels.length, cols, { xGap: 0.02, yGap: 0.1 / Math.max(1, rows.length) + 0.03 });
  const data = panels.flatMap((p, i) => (p ? [pictureTrace(p.picture, cells[i].xref, cells[i].yref, p.title)] : []));
  const annotations: Annotation[] = panels.flatMap((p, i) => (p ? [cellTitle(cells[i], p.title, 10)] : []));
  const panel = opts.panelSize ?? 130;
  return {
    data,
    layout: {
      ...imageGridLayout(cells, { cols, rows: Math.max(1, rows.length), panel, titleRoom: 30 }, titleOf(opts.title ?? 'Preprocessing step by step')),
      annotations,
      plot_bgcolor: 'white',
    },
  };
}

export interface ReadBox {
  /** [x, y, width, height] in the picture's pixels. */
  box: [number, number, number, number];
  /** Written above the box, e.g. '7 (98%)'. */
  label: string;
  /** Drawn in red instead of green (an uncertain digit). */
  flagged?: boolean;
}

/** A number's picture with a rectangle and a label over each digit found in it. */
export function numberBoxesFigure(picture: Picture, boxes: ReadBox[], opts: { title?: string; height?: number } = {}): Figure {
  const height = opts.height ?? 220;
  const title = titleOf(opts.title ?? 'Digits found in the number');
  const top = title ? 80 : 40;
  const colour = (b: ReadBox) => (b.flagged ? '#d62728' : '#2ca02c');
  return {
    data: [pictureTrace(picture, 'x', 'y', 'number')],
    layout: {
      title,
      width: Math.round((height * picture.width) / picture.height) + 40,
      height: height + top + 20,
      margin: { l: 20, r: 20, t: top, b: 20 },
      ...imageGridAxes(subplotGrid(1, 1)),
      shapes: boxes.map((b) => ({
        type: 'rect',
        x0: b.box[0] - 0.5,
        y0: b.box[1] - 0.5,
        x1: b.box[0] + b.box[2] - 0.5,
        y1: b.box[1] + b.box[3] - 0.5,
        line: { color: colour(b), width: 2 },
      })),
      annotations: boxes.map((b) => ({
        text: b.label,
        x: b.box[0] + b.box[2] / 2,
        y: b.box[1] - 1,
        xref: 'x',
        yref: 'y',
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 12, color: colour(b) },
      })),
      plot_bgcolor: 'white',
    },
  };
}
