/** Hyperparameter sweep: parallel coordinates over trials, and best-score-so-far per trial, from a sweep's records. */
import { finalRecords } from '../tune/results';
import type { TrialRecord } from '../tune/types';
import { COLORS, Figure, finiteOrNull, margins, titleOf } from './figure';

export interface SweepTrial {
  params: Record<string, number | string>;
  score: number;
}

export interface ParcoordsDimension {
  label: string;
  values: number[];
  tickvals?: number[];
  ticktext?: string[];
  range?: [number, number];
}

export interface SweepParallelOptions {
  /** Name of the score axis (default 'score'). */
  scoreName?: string;
  /** Order of the parameter axes (default: order of first appearance); params not listed are appended. */
  paramOrder?: string[];
  /**
   * Numeric params shown on a log10 axis. Default 'auto': positive params spanning ≥ 100× (learning
   * rates, weight decay). Pass [] to disable.
   */
  logParams?: string[] | 'auto';
  /** Default 'Hyperparameter sweep'; '' for none. */
  title?: string;
  /** Plotly colorscale for the lines (coloured by score); default 'Viridis'. */
  colorscale?: string;
  width?: number;
  height?: number;
}

/** Placeholder category for trials that did not set a categorical param. */
export const UNSET = '(unset)';

function paramNames(trials: SweepTrial[], order: string[] = []): string[] {
  const names = order.slice();
  for (const t of trials) for (const k of Object.keys(t.params)) if (!names.includes(k)) names.push(k);
  return names;
}

function tickLabel(exp: number): string {
  return exp === 0 ? '1' : `1e${exp}`;
}

/**
 * One parcoords dimension per param. A param is categorical when any trial gives it a non-number;
 * its categories (sorted naturally) map to 0..k-1 with the names as tick labels. Numeric params missing
 * from a trial get NaN (plotly omits that line). Log params are stored as log10(value) with ticks
 * at powers of ten.
 */
export function sweepDimensions(trials: SweepTrial[], opts: Pick<SweepParallelOptions, 'paramOrder' | 'logParams'> = {}): ParcoordsDimension[] {
  const dims: ParcoordsDimension[] = [];
  for (const name of paramNames(trials, opts.paramOrder)) {
    const raw = trials.map((t) => t.params[name]);
    const categorical = raw.some((v) => v !== undefined && typeof v !== 'number');
    if (categorical) {
      const cats = Array.from(new Set(raw.map((v) => (v === undefined ? UNSET : String(v))))).sort((a, b) =>
        a.localeCompare(b, undefined, { numeric: true }),
      );
      const index = new Map(cats.map((c, i) => [c, i]));
      dims.push({
        label: name,
        values: raw.map((v) => index.get(v === undefined ? UNSET : String(v)) as number),
        tickvals: cats.map((_, i) => i),
        ticktext: cats,
        range: cats.length > 1 ? [0, cats.length - 1] : [-0.5, 0.5],
      });
      continue;
    }
    const nums = raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const autoLog = nums.length > 0 && min > 0 && max / min >= 100;
    const log = opts.logParams === undefined || opts.logParams === 'auto' ? autoLog : opts.logParams.includes(name);
    if (log) {
      if (!(min > 0)) throw new Error(`sweepDimensions: log axis for '${name}' needs positive values`);
      const lo = Math.log10(min);
      const hi = Math.log10(max);
      const exps: number[] = [];
      for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) exps.push(e);
      dims.push({
        label: `${name} (log)`,
        values: raw.map((v) => (typeof v === 'number' && v > 0 ? Math.log10(v) : NaN)),
        tickvals: exps,
        ticktext: exps.map(tickLabel),
        range: [Math.floor(lo), Math.ceil(hi) === Math.floor(lo) ? Math.floor(lo) + 1 : Math.ceil(hi)],
      });
    } else {
      dims.push({ label: name, values: raw.map((v) => (typeof v === 'number' ? v : NaN)) });
    }
  }
  return dims;
}

/** Parallel coordinates: one axis per param plus the score axis (last); lines coloured by score. */
export function sweepParallelFigure(trials: SweepTrial[], opts: SweepParallelOptions = {}): Figure {
  const scoreName = opts.scoreName ?? 'score';
  const dims = sweepDimensions(trials, opts);
  const scores = trials.map((t) => t.score);
  dims.push({ label: scoreName, values: scores });
  const finite = scores.filter(Number.isFinite);
  return {
    data: [
      {
        type: 'parcoords',
        dimensions: dims,
        line: {
          color: scores,
          colorscale: opts.colorscale ?? 'Viridis',
          showscale: true,
          cmin: finite.length ? Math.min(...finite) : 0,
          cmax: finite.length ? Math.max(...finite) : 1,
          colorbar: { title: { text: scoreName } },
        },
      },
    ],
    layout: {
      title: titleOf(opts.title ?? 'Hyperparameter sweep'),
      width: opts.width ?? Math.max(700, 160 * dims.length),
      height: opts.height ?? 450,
      margin: { l: 80, r: 80, t: 100, b: 40 },
    },
  };
}

export interface SweepProgressOptions {
  /** Whether a higher score is better (default 'maximize'). */
  direction?: 'maximize' | 'minimize';
  scoreName?: string;
  /** Default 'Sweep progress'; '' for none. */
  title?: string;
  width?: number;
  height?: number;
}

/** Running best score after each trial (non-finite scores, e.g. failed trials, are skipped). */
export function bestSoFar(scores: number[], direction: 'maximize' | 'minimize' = 'maximize'): (number | null)[] {
  let best: number | null = null;
  return scores.map((s) => {
    if (Number.isFinite(s) && (best === null || (direction === 'maximize' ? s > best : s < best))) best = s;
    return best;
  });
}

/** Markers for every trial's score plus a step line of the best score so far; x = trial number (1-based). */
export function sweepProgressFigure(trials: SweepTrial[], opts: SweepProgressOptions = {}): Figure {
  const scoreName = opts.scoreName ?? 'score';
  const x = trials.map((_, i) => i + 1);
  const scores = trials.map((t) => t.score);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'trial',
        x,
        y: scores.map(finiteOrNull),
        marker: { color: COLORS[0], size: 7, opacity: 0.7 },
        customdata: trials.map((t) => Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join('<br>')),
        hovertemplate: `trial %{x}: ${scoreName} %{y:.4f}<br>%{customdata}<extra></extra>`,
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'best so far',
        x,
        y: bestSoFar(scores, opts.direction),
        line: { color: COLORS[3], shape: 'hv', width: 2 },
        hovertemplate: `best after %{x}: %{y:.4f}<extra></extra>`,
      },
    ],
    layout: {
      title: titleOf(opts.title ?? 'Sweep progress'),
      margin: margins(opts.title !== ''),
      width: opts.width ?? 800,
      height: opts.height ?? 420,
      xaxis: { title: { text: 'trial' }, tickformat: 'd', rangemode: 'tozero' },
      yaxis: { title: { text: scoreName } },
    },
  };
}

/**
 * Input for sweepParallelFigure and sweepProgressFigure: each trial's final result, in trial order, scored by
 * validation accuracy (failed trials score NaN, which the figures skip). Booleans become strings (categories);
 * when trials stopped at different budgets, `epochs` is added as an axis.
 */
export function sweepPlotTrials(records: TrialRecord[]): SweepTrial[] {
  const finals = finalRecords(records);
  const budgets = new Set(finals.map((r) => r.epochs));
  return finals.map((r) => ({
    params: {
      ...Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])),
      ...(budgets.size > 1 && { epochs: r.epochs }),
    },
    score: r.score ?? NaN,
  }));
}
