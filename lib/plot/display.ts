/**
 * Inline display of figures in tslab notebooks. The ~4.8 MB plotly bundle is sent with the first figure
 * of a kernel session only (guarded so it does not run twice); later figures are a few KB and wait for
 * window.Plotly.
 */
import { randomBytes } from 'crypto';
import { plotScript, plotlyBundle } from './html';
import type { Figure } from './figure';

/** What show() needs from tslab's `display`. */
export interface HtmlDisplay {
  html(s: string): void;
}

export interface ShowOptions {
  /**
   * 'auto' (default): inline the plotly bundle with the first figure of this kernel session only.
   * true / false: always / never inline it (use true after reloading the notebook page without
   * restarting the kernel).
   */
  includePlotly?: 'auto' | boolean;
  /** Override the display target (default: tslab's display). */
  display?: HtmlDisplay;
}

let plotlySent = false;

/** Forget that plotly was sent (the next show() inlines it again). */
export function resetNotebookPlotly(): void {
  plotlySent = false;
}

/**
 * HTML fragment for a notebook output cell: a div plus a script that draws the figure once window.Plotly
 * exists (polling for up to 10 s, then printing how to fix it). With includePlotly the bundle is inlined
 * first, guarded by `if (!window.Plotly)`.
 */
export function figureToNotebookHtml(fig: Figure, opts: { includePlotly?: boolean; id?: string } = {}): string {
  const id = opts.id ?? `pixelwise-${randomBytes(6).toString('hex')}`;
  const width = typeof fig.layout.width === 'number' ? `${fig.layout.width}px` : '100%';
  const height = typeof fig.layout.height === 'number' ? `${fig.layout.height}px` : '480px';
  const parts: string[] = [];
  if (opts.includePlotly) parts.push(`<script type="text/javascript">if (!window.Plotly) {\n${plotlyBundle()}\n}</script>`);
  parts.push(`<div id="${id}" style="width:${width};height:${height}"></div>`);
  parts.push(
    '<script type="text/javascript">(function () {\n' +
      'var tries = 0;\n' +
      'function draw() {\n' +
      `  var el = document.getElementById(${JSON.stringify(id)});\n` +
      '  if (window.Plotly && el) { ' +
      plotScript(fig, id).replace(/^Plotly\./, 'window.Plotly.') +
      ' return; }\n' +
      '  if (tries++ < 200) { setTimeout(draw, 50); return; }\n' +
      '  if (el) el.textContent = "plotly.js is not loaded in this page: run show(fig, { includePlotly: true })";\n' +
      '}\n' +
      'draw();\n' +
      '})();</script>',
  );
  return parts.join('\n');
}

function tslabDisplays(): HtmlDisplay[] {
  // The kernel's own tslab instance is the one wired to Jupyter. Code in the notebook gets it from
  // require('tslab'); a library file resolves tslab from its own node_modules, which is the same instance
  // only when the kernel runs from this project. Try the kernel's (require.main) first.
  const found: HtmlDisplay[] = [];
  const requires = [require.main?.require.bind(require.main), require];
  for (const req of requires) {
    if (!req) continue;
    try {
      const d = (req('tslab') as { display?: HtmlDisplay }).display;
      if (d && !found.includes(d)) found.push(d);
    } catch {
      // not resolvable from there
    }
  }
  return found;
}

/** Sends HTML to the notebook through the kernel's tslab display (the first that accepts it). */
export function displayHtml(html: string, display?: HtmlDisplay): void {
  const targets = display ? [display] : tslabDisplays();
  let lastError: unknown;
  for (const d of targets) {
    try {
      d.html(html);
      return;
    } catch (err) {
      lastError = err; // e.g. tslab's "Not ready" outside a kernel
    }
  }
  const why = targets.length === 0 ? 'tslab is not installed' : `tslab display failed: ${String((lastError as Error)?.message ?? lastError)}`;
  throw new Error(`inline display works inside a tslab notebook kernel only (${why}); outside notebooks use figureToHtml() or FigureExporter`);
}

/** Show a figure inline in a tslab notebook (Jupyter / VS Code). */
export function show(fig: Figure, opts: ShowOptions = {}): void {
  const include = opts.includePlotly === undefined || opts.includePlotly === 'auto' ? !plotlySent : opts.includePlotly;
  displayHtml(figureToNotebookHtml(fig, { includePlotly: include }), opts.display);
  if (include) plotlySent = true;
}
