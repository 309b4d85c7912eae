/**
 * The report of the notebook series: every notebook's figures and tables in one self-contained HTML page
 * (plotly inlined once, interactive figures, no network), plus a PNG and an SVG of every figure.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { ExporterOptions, FigureExporter } from '../plot/export';
import { plotScript, plotlyBundle } from '../plot/html';
import type { Figure } from '../plot/figure';
import { writeFileAtomic } from '../util/atomic';
import { partsDir, ReportPart, REPORT_DIR } from './record';
import { escapeHtml } from '../util/html';
import { tableHtml } from './tables';

export function readParts(reportDir = REPORT_DIR): ReportPart[] {
  const dir = partsDir(reportDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ReportPart);
}

/** figures/<notebook>/<name> (without extension), relative to the report directory. */
export const figureBase = (notebook: string, name: string) => `figures/${notebook}/${name}`;

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 0 auto; padding: 0 24px 64px; }
h1 { margin-top: 32px; } h2 { margin-top: 48px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta, figcaption, caption { color: #666; font-size: 13px; }
.warning { background: #fff3cd; border: 1px solid #e0c36b; padding: 8px 12px; border-radius: 4px; }
figure { margin: 24px 0; } .plot { max-width: 100%; overflow-x: auto; }
table.pixelwise-table { border-collapse: collapse; margin: 16px 0; font-size: 13px; }
table.pixelwise-table caption { text-align: left; padding-bottom: 4px; white-space: nowrap; }
.table { overflow-x: auto; }
table.pixelwise-table th, table.pixelwise-table td { border-bottom: 1px solid #e4e4e4; padding: 3px 10px; }
table.pixelwise-table thead th { border-bottom: 2px solid #bbb; }
`;

function figureBlock(part: ReportPart, name: string, figure: Figure, caption: string | undefined, id: string): string {
  const base = figureBase(part.notebook, name);
  const size = `width:${figure.layout.width ?? 800}px;height:${figure.layout.height ?? 500}px`;
  const links = `<a href="${base}.png">PNG</a> · <a href="${base}.svg">SVG</a>`;
  return `<figure><div class="plot"><div id="${id}" style="${size}"></div></div><figcaption>${caption ? `${escapeHtml(caption)} · ` : ''}${links}</figcaption></figure>`;
}

export function reportHtml(parts: ReportPart[], generatedAt = new Date()): string {
  const scripts: string[] = [];
  let counter = 0;
  const sections = parts.map((part) => {
    const blocks = part.items.map((item) => {
      if (item.kind === 'table') {
        return `<div class="table">${tableHtml(item.table, item.caption)}</div><div class="meta"><a href="tables/${part.notebook}/${item.name}.csv">CSV</a></div>`;
      }
      const id = `figure-${++counter}`;
      scripts.push(plotScript(item.figure, id));
      return figureBlock(part, item.name, item.figure, item.caption, id);
    });
    const meta = `notebook ${part.notebook}.ipynb · ${part.profile} profile · executed ${part.updatedAt.replace('T', ' ').slice(0, 16)} UTC`;
    return `<section id="${part.notebook}"><h2>${escapeHtml(part.title)}</h2><p class="meta">${escapeHtml(meta)}</p>\n${blocks.join('\n')}</section>`;
  });
  const quick = parts.some((p) => p.profile !== 'full');
  const toc = parts.map((p) => `<li><a href="#${p.notebook}">${escapeHtml(p.title)}</a></li>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>PixelWise — MNIST experiments</title>',
    `<style>${STYLE}</style>`,
    `<script type="text/javascript">${plotlyBundle()}</script>`,
    '</head><body>',
    '<h1>PixelWise — MNIST experiments</h1>',
    `<p class="meta">Built ${generatedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC from the notebook series (npm start).</p>`,
    quick ? '<p class="warning">Quick profile: small subsets and one epoch. A smoke test of the pipeline, not the results.</p>' : '',
    parts.length ? `<nav><ol>${toc}</ol></nav>` : '<p>No notebook has contributed to the report yet.</p>',
    ...sections,
    `<script type="text/javascript">\n${scripts.join('\n')}\n</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** PNG and SVG of every figure, through one exporter (one Chromium for all). */
export async function exportReportFigures(parts: ReportPart[], reportDir: string, exporter: FigureExporter): Promise<string[]> {
  const files: string[] = [];
  for (const part of parts) {
    for (const item of part.items) {
      if (item.kind === 'figure') files.push(...(await exporter.save(item.figure, join(reportDir, figureBase(part.notebook, item.name)), ['png', 'svg'])));
    }
  }
  return files;
}

/** Writes reportDir/index.html and the figure images (replacing older ones); returns the page and the image files. */
export async function buildReport(reportDir = REPORT_DIR, options: ExporterOptions = {}): Promise<{ page: string; images: string[] }> {
  const parts = readParts(reportDir);
  const page = join(reportDir, 'index.html');
  writeFileAtomic(page, reportHtml(parts));
  rmSync(join(reportDir, 'figures'), { recursive: true, force: true });
  const exporter = new FigureExporter(options);
  try {
    return { page, images: await exportReportFigures(parts, reportDir, exporter) };
  } finally {
    await exporter.close();
  }
}
