/** A figure as HTML: the plotly bundle made safe inside <script>, the drawing script, and a standalone offline page. */
import * as fs from 'fs';
import { escapeHtml } from '../util/html';
import { Figure } from './figure';

let bundleCache: string | undefined;

/** Path of the installed plotly.js-dist-min bundle. */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist-min');
}

/** Contents of the plotly bundle (read once, ~4.8 MB), safe to put inside a <script> element. */
export function plotlyBundle(): string {
  if (bundleCache === undefined) bundleCache = escapeScript(fs.readFileSync(plotlyBundlePath(), 'utf8'));
  return bundleCache;
}

/** Make JS text safe inside <script>…</script>: a '</script' in a string, regex or comment would end the element early. */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** JSON for embedding in a <script>: typed arrays become arrays, NaN/±Infinity become null, '<' and U+2028/9 are escaped. */
export function scriptJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
  return (json ?? 'null').replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Plain text of the figure's title (tags stripped), or undefined. */
export function figureTitle(fig: Figure): string | undefined {
  const t = fig.layout?.title;
  const text = typeof t === 'string' ? t : t?.text;
  return text ? text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim() : undefined;
}

export interface HtmlOptions {
  /** <title> of the page; default the figure title, else 'PixelWise figure'. */
  title?: string;
  /**
   * 'fixed' (default) keeps layout.width/height; 'responsive' drops them and fills the window.
   */
  sizing?: 'fixed' | 'responsive';
}

/** The script lines that draw `fig` into the element with id `divId` (expects window.Plotly). */
export function plotScript(fig: Figure, divId: string, config: Record<string, unknown> = {}): string {
  return (
    `Plotly.newPlot(${scriptJson(divId)}, ${scriptJson(fig.data)}, ${scriptJson(fig.layout)}, ` +
    `${scriptJson({ displaylogo: false, ...config, ...fig.config })});`
  );
}

/** A standalone HTML page with plotly inlined: opens offline, loads nothing from the network. */
export function figureToHtml(fig: Figure, opts: HtmlOptions = {}): string {
  const title = opts.title ?? figureTitle(fig) ?? 'PixelWise figure';
  const responsive = opts.sizing === 'responsive';
  const layout = { ...fig.layout };
  if (responsive) {
    delete layout.width;
    delete layout.height;
  }
  const style = responsive ? 'width:100vw;height:100vh' : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>html,body{margin:0;padding:0;background:#fff}</style>',
    `<script type="text/javascript">${plotlyBundle()}</script>`,
    '</head>',
    '<body>',
    `<div id="figure" style="${style}"></div>`,
    `<script type="text/javascript">${plotScript({ ...fig, layout }, 'figure', responsive ? { responsive: true } : {})}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
