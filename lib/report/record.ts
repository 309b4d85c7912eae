/**
 * What a notebook contributes to the report: each figure and table is shown inline and also saved, in
 * order, to results/report/parts/<notebook>.json (tables also as CSV). npm start then builds the HTML
 * report and the PNG/SVG files from these parts, so the notebooks never need a browser themselves.
 */
import { rmSync } from 'fs';
import { join } from 'path';
import type { DataFrame } from 'danfojs-node';
import { displayHtml, HtmlDisplay, show } from '../plot/display';
import type { Figure } from '../plot/figure';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { RESULTS_DIR } from '../util/paths';
import { Row, tableData, TableData, tableHtml, toCsv } from './tables';

export const REPORT_DIR = join(RESULTS_DIR, 'report');

export interface FigureItem {
  kind: 'figure';
  name: string;
  caption?: string;
  figure: Figure;
}

export interface TableItem {
  kind: 'table';
  name: string;
  caption?: string;
  table: TableData;
}

export type ReportItem = FigureItem | TableItem;

/** results/report/parts/<notebook>.json */
export interface ReportPart {
  notebook: string;
  title: string;
  profile: string;
  updatedAt: string;
  items: ReportItem[];
}

export const partsDir = (reportDir: string) => join(reportDir, 'parts');
export const tablesDir = (reportDir: string) => join(reportDir, 'tables');

export interface NotebookReportOptions {
  /** Default results/report. */
  reportDir?: string;
  /** Where inline output goes; default the tslab kernel's display. */
  display?: HtmlDisplay;
}

export class NotebookReport {
  private readonly part: ReportPart;
  private readonly reportDir: string;
  private readonly display: HtmlDisplay | undefined;

  /** Starts this notebook's part afresh: a re-executed notebook replaces what it contributed before. */
  constructor(notebook: string, title: string, profile: string, options: NotebookReportOptions = {}) {
    this.reportDir = options.reportDir ?? REPORT_DIR;
    this.display = options.display;
    this.part = { notebook, title, profile, updatedAt: new Date().toISOString(), items: [] };
    rmSync(join(tablesDir(this.reportDir), notebook), { recursive: true, force: true });
    this.save();
  }

  figure(name: string, figure: Figure, caption?: string): void {
    show(figure, { display: this.display });
    this.add({ kind: 'figure', name, caption, figure });
  }

  table(name: string, table: DataFrame | Row[], caption?: string): void {
    const data = tableData(table);
    displayHtml(tableHtml(data, caption), this.display);
    writeFileAtomic(join(tablesDir(this.reportDir), this.part.notebook, `${name}.csv`), toCsv(data));
    this.add({ kind: 'table', name, caption, table: data });
  }

  private add(item: ReportItem): void {
    // Re-running a cell in Jupyter replaces its item rather than adding a copy.
    const at = this.part.items.findIndex((i) => i.kind === item.kind && i.name === item.name);
    if (at >= 0) this.part.items[at] = item;
    else this.part.items.push(item);
    this.save();
  }

  private save(): void {
    this.part.updatedAt = new Date().toISOString();
    writeJsonAtomic(join(partsDir(this.reportDir), `${this.part.notebook}.json`), this.part);
  }
}
