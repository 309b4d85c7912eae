/**
 * Results as danfo DataFrames (sort, groupby, toCSV in the notebooks) and as HTML tables for the notebook
 * and the report.
 */
import type { DataFrame } from 'danfojs-node';
import { buildModel, countParams, getModelSpec } from '../models/registry';
import type { RunSummary, TrainConfig } from '../train/types';
import { frame } from '../util/frame';
import { escapeHtml } from '../util/html';

/** A finished run as tables need it: a RunRecord (loadRun) or what trainRun returned. */
export interface RunLike {
  name?: string;
  config: TrainConfig;
  summary: RunSummary;
}

export type Row = Record<string, string | number | boolean | null>;

export function runLabel(run: RunLike): string {
  return run.name ?? run.config.model;
}

/** One row per architecture of the model registry: name, trainable parameters, description. */
export function architecturesFrame(names: string[]): DataFrame {
  return frame(
    names.map((name) => {
      const model = buildModel(name);
      const params = countParams(model);
      model.dispose();
      return { model: name, params, description: getModelSpec(name).description };
    }),
  );
}

/** One row per run: what it is, how big, how good, how long it trained. */
export function runsFrame(runs: RunLike[]): DataFrame {
  return frame(
    runs.map((run) => ({
      model: runLabel(run),
      architecture: run.config.model,
      params: run.summary.params,
      epochs: run.summary.epochs,
      testAccuracy: run.summary.testAccuracy,
      macroF1: run.summary.macro.f1,
      ece: run.summary.ece ?? NaN,
      trainSeconds: run.summary.trainSeconds,
      samplesPerSecond: run.summary.samplesPerSecond,
    })),
  );
}

/** One row per run: test ECE (15 bins), the temperature fitted on the validation split and the test ECE after it; NaN (shown as –) where a run did not record them. */
export function calibrationFrame(runs: RunLike[]): DataFrame {
  return frame(
    runs.map((run) => ({
      model: runLabel(run),
      testAccuracy: run.summary.testAccuracy,
      ece: run.summary.ece ?? NaN,
      temperature: run.summary.calibration?.temperature ?? NaN,
      eceAfterScaling: run.summary.calibration?.scaled?.ece ?? NaN,
    })),
  );
}

/** Long format, one row per (run, digit): groupby('digit') or groupby('model') from here. */
export function perClassFrame(runs: RunLike[]): DataFrame {
  return frame(
    runs.flatMap((run) =>
      run.summary.perClass.map((m, digit) => ({ model: runLabel(run), digit, precision: m.precision, recall: m.recall, f1: m.f1, support: m.support })),
    ),
  );
}

/** Wide format: one row per digit, one F1 column per run. */
export function perClassF1Frame(runs: RunLike[]): DataFrame {
  const digits = runs[0]?.summary.perClass.length ?? 0;
  return frame(Array.from({ length: digits }, (_, digit) => ({ digit, ...Object.fromEntries(runs.map((r) => [runLabel(r), r.summary.perClass[digit].f1])) })));
}

export interface ConfusedPair {
  trueLabel: number;
  predicted: number;
  count: number;
  /** Share of the true label's test images that went to `predicted`. */
  rate: number;
}

/** The off-diagonal cells of a confusion matrix, most frequent first. */
export function confusedPairs(matrix: number[][]): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  matrix.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count > 0) pairs.push({ trueLabel: t, predicted: p, count, rate: count / support });
    });
  });
  return pairs.sort((a, b) => b.count - a.count || a.trueLabel - b.trueLabel || a.predicted - b.predicted);
}

/** Every run's confusions as rows (model, pair "4 → 9", counts): groupby('pair') sums them over models. */
export function confusedPairsFrame(runs: RunLike[]): DataFrame {
  return frame(
    runs.flatMap((run) =>
      confusedPairs(run.summary.confusionMatrix).map((p) => ({ model: runLabel(run), pair: `${p.trueLabel} → ${p.predicted}`, ...p })),
    ),
  );
}

/** Numbers at four significant digits (0.9912, 1235), integers with thousands separators. */
export function formatCell(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '–';
    return Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toPrecision(4)));
  }
  return value === null || value === undefined ? '' : String(value);
}

export interface TableData {
  columns: string[];
  rows: unknown[][];
}

/** The columns and rows of a DataFrame (or of plain row objects), ready for JSON and HTML. */
export function tableData(table: DataFrame | Row[]): TableData {
  if (Array.isArray(table)) {
    const columns = [...new Set(table.flatMap((r) => Object.keys(r)))];
    return { columns, rows: table.map((r) => columns.map((c) => r[c] ?? null)) };
  }
  return { columns: table.columns.map(String), rows: table.values as unknown[][] };
}

/** RFC 4180 CSV, numbers at full precision. */
export function toCsv({ columns, rows }: TableData): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export function tableHtml(table: TableData, caption?: string): string {
  const numeric = table.columns.map((_, c) => table.rows.length > 0 && table.rows.every((r) => typeof r[c] === 'number' || r[c] === null));
  const align = (c: number) => (numeric[c] ? ' style="text-align:right"' : '');
  const head = table.columns.map((name, c) => `<th${align(c)}>${escapeHtml(name)}</th>`).join('');
  const body = table.rows.map((r) => `<tr>${r.map((v, c) => `<td${align(c)}>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`).join('\n');
  return [
    '<table class="pixelwise-table">',
    caption ? `<caption>${escapeHtml(caption)}</caption>` : '',
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    '</table>',
  ].join('');
}
