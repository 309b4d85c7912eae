/**
 * Figure export to files: standalone offline HTML (html.ts), and PNG/SVG rendered by Plotly.toImage in ONE
 * headless Chromium (playwright-core, found by chromium.ts) that is reused across exports.
 */
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';
import { CHROMIUM_ARGS, findChromium, noChromiumError } from './chromium';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, Figure } from './figure';
import { figureTitle, figureToHtml, plotlyBundle, scriptJson } from './html';

export type ExportFormat = 'png' | 'svg' | 'html';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['png', 'svg', 'html'];

/** 'out/cm' or 'out/cm.png' → 'out/cm' (a trailing .png/.svg/.html is dropped). */
export function stripFormatExtension(base: string): string {
  const ext = path.extname(base).slice(1).toLowerCase();
  return (EXPORT_FORMATS as readonly string[]).includes(ext) ? base.slice(0, -(ext.length + 1)) : base;
}

// Minimal structural types for the parts of playwright-core we use (it is loaded lazily).
interface PwPage {
  setContent(html: string): Promise<void>;
  addScriptTag(opts: { content: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  route(url: string | RegExp, handler: (route: { abort(): Promise<void> }) => unknown): Promise<void>;
  close(): Promise<void>;
}
interface PwBrowser {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
  on(event: 'disconnected', fn: () => void): unknown;
  isConnected(): boolean;
}

export interface ExporterOptions {
  /** Chromium executable; default: see findChromium(). */
  executablePath?: string;
  /** Default image size when neither save() options nor fig.layout give one. */
  width?: number;
  height?: number;
  /** Image scale factor (PNG pixels = width×scale); default 1. */
  scale?: number;
  /** Per-image timeout in ms (default 60000). */
  timeoutMs?: number;
  /** Custom Chromium discovery (default: findChromium(executablePath)); return undefined for "none". */
  resolveChromium?: () => string | undefined;
}

export interface ImageOptions {
  width?: number;
  height?: number;
  scale?: number;
}

/** Options of the in-page render call (plain JSON passed to the browser). */
interface RenderArgs {
  data: unknown;
  layout: unknown;
  format: 'png' | 'svg';
  width: number;
  height: number;
  scale: number;
}

/**
 * Renders figures with Plotly.toImage in one headless Chromium, launched on the first PNG/SVG and
 * reused until close(). Renders are serialised (one at a time). HTML export never starts Chromium.
 */
export class FigureExporter {
  private readonly opts: ExporterOptions;
  private browser?: PwBrowser;
  private page?: Promise<PwPage>;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private counter = 0;
  private launchCount = 0;

  constructor(opts: ExporterOptions = {}) {
    this.opts = opts;
  }

  /** The Chromium this exporter would use, or undefined (throws if an explicit path is bad). */
  chromiumPath(): string | undefined {
    return this.opts.resolveChromium ? this.opts.resolveChromium() : findChromium(this.opts.executablePath);
  }

  /** How many times a browser was launched (1 after any number of images, unless it crashed). */
  get launches(): number {
    return this.launchCount;
  }

  private async launch(format: string): Promise<PwPage> {
    const executablePath = this.chromiumPath();
    if (!executablePath) throw noChromiumError(format);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium } = require('playwright-core') as { chromium: { launch(o: object): Promise<PwBrowser> } };
    let browser: PwBrowser;
    try {
      browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
      this.launchCount++;
    } catch (err) {
      const first = String((err as Error)?.message ?? err).split('\n')[0];
      throw new Error(`could not launch Chromium at ${executablePath}: ${first}`);
    }
    this.browser = browser;
    browser.on('disconnected', () => {
      if (this.browser === browser) {
        this.browser = undefined;
        this.page = undefined;
      }
    });
    const page = await browser.newPage();
    // Offline by construction: nothing in the page may touch the network.
    await page.route(/^(https?|wss?|ftp):/i, (route) => route.abort());
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0"></body></html>');
    await page.addScriptTag({ content: plotlyBundle() });
    return page;
  }

  private getPage(format: string): Promise<PwPage> {
    if (this.closed) return Promise.reject(new Error('FigureExporter: already closed'));
    if (!this.page) {
      this.page = this.launch(format);
      // A failed launch must not poison later attempts.
      this.page.catch(() => {
        this.page = undefined;
      });
    }
    return this.page;
  }

  private size(fig: Figure, o: ImageOptions): { width: number; height: number; scale: number } {
    const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
    return {
      width: Math.round(o.width ?? num(fig.layout.width) ?? this.opts.width ?? DEFAULT_WIDTH),
      height: Math.round(o.height ?? num(fig.layout.height) ?? this.opts.height ?? DEFAULT_HEIGHT),
      scale: o.scale ?? this.opts.scale ?? 1,
    };
  }

  /** Render to PNG bytes or SVG text. */
  toImage(fig: Figure, format: 'png', opts?: ImageOptions): Promise<Buffer>;
  toImage(fig: Figure, format: 'svg', opts?: ImageOptions): Promise<string>;
  toImage(fig: Figure, format: 'png' | 'svg', opts?: ImageOptions): Promise<Buffer | string>;
  toImage(fig: Figure, format: 'png' | 'svg', opts: ImageOptions = {}): Promise<Buffer | string> {
    if (format !== 'png' && format !== 'svg') return Promise.reject(new Error(`toImage: unsupported format '${format as string}' (png or svg)`));
    const run = () => this.render(fig, format, opts);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async render(fig: Figure, format: 'png' | 'svg', opts: ImageOptions): Promise<Buffer | string> {
    const page = await this.getPage(format);
    const { width, height, scale } = this.size(fig, opts);
    // Round-trip through scriptJson's rules (typed arrays → arrays, NaN → null) before crossing into the page.
    const args: RenderArgs = {
      data: JSON.parse(scriptJson(fig.data)),
      layout: JSON.parse(scriptJson({ ...fig.layout, width, height })),
      format,
      width,
      height,
      scale,
    };
    const id = `gd${++this.counter}`;
    const timeoutMs = this.opts.timeoutMs ?? 60000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`FigureExporter: ${format} render timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const url = await Promise.race([
        page.evaluate(
          async ({ a, id }: { a: RenderArgs; id: string }) => {
            const P = (window as unknown as { Plotly: any }).Plotly;
            const gd = document.createElement('div');
            gd.id = id;
            document.body.appendChild(gd);
            try {
              await P.newPlot(gd, a.data, a.layout, { staticPlot: true });
              return (await P.toImage(gd, { format: a.format, width: a.width, height: a.height, scale: a.scale })) as string;
            } finally {
              P.purge(gd);
              gd.remove();
            }
          },
          { a: args, id },
        ),
        timeout,
      ]);
      return decodeDataUrl(url, format);
    } catch (err) {
      const msg = String((err as Error)?.message ?? err).split('\n')[0].replace(/^page\.evaluate: (Error: )?/, '');
      const name = figureTitle(fig);
      const hint = /axis scaling/i.test(msg) ? ' (too small for its margins, titles and colorbar? use a larger width/height)' : '';
      throw new Error(`FigureExporter: rendering ${name ? `"${name}" ` : ''}as ${format} at ${width}×${height} failed: ${msg}${hint}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Write `base.png` / `base.svg` / `base.html` (a trailing format extension on `base` is ignored),
   * each atomically. HTML is written first, so it exists even when PNG/SVG fail (no Chromium).
   * Returns the written paths in the order of `formats`.
   */
  async save(fig: Figure, base: string, formats: ExportFormat[] = ['png'], opts: ImageOptions = {}): Promise<string[]> {
    const stem = stripFormatExtension(base);
    for (const f of formats) {
      if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new Error(`save: unknown format '${f}' (use ${EXPORT_FORMATS.join(', ')})`);
    }
    if (formats.includes('html')) writeFileAtomic(`${stem}.html`, figureToHtml(fig));
    for (const f of formats) {
      if (f !== 'html') writeFileAtomic(`${stem}.${f}`, await this.toImage(fig, f, opts));
    }
    return formats.map((f) => `${stem}.${f}`);
  }

  /** Close the browser (if one was started). The exporter cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.page;
    this.page = undefined;
    if (pending) await pending.catch(() => undefined);
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await browser.close().catch(() => undefined);
  }
}

export function createExporter(opts: ExporterOptions = {}): FigureExporter {
  return new FigureExporter(opts);
}

/** Decode the data: URL returned by Plotly.toImage. */
export function decodeDataUrl(url: string, format: 'png' | 'svg'): Buffer | string {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) throw new Error(`toImage returned something that is not a data URL: ${url.slice(0, 40)}`);
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  const bytes = meta.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
  return format === 'png' ? bytes : bytes.toString('utf8');
}
