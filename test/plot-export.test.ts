/**
 * Export tests render real PNG/SVG in headless Chromium (no skipping when Chromium is missing: CI
 * installs it; set PIXELWISE_CHROMIUM if it lives somewhere unusual).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, Browser } from 'playwright-core';
import {
  FigureExporter,
  confusionMatrixFigure,
  createExporter,
  figureToHtml,
  findChromium,
  trainingCurvesFigure,
} from '../lib/plot';
import { writeFileAtomic } from '../lib/util/atomic';
import { CHROMIUM_ARGS, noChromiumError } from '../lib/plot/chromium';
import { decodeDataUrl, stripFormatExtension } from '../lib/plot/export';
import { plotlyBundlePath } from '../lib/plot/html';

const CM = [
  [97, 3],
  [5, 95],
];
const fig = confusionMatrixFigure(CM, { title: 'Export check matrix' });
const curves = trainingCurvesFigure([
  { epoch: 1, loss: 1, acc: 0.7, valLoss: 1.1, valAcc: 0.68, lr: 1e-3, seconds: 1 },
  { epoch: 2, loss: 0.5, acc: 0.9, valLoss: 0.6, valAcc: 0.88, lr: 1e-3, seconds: 1 },
]);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelwise-plot-'));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.ok(buf.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert.is(buf.toString('latin1', 12, 16), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Inflate the IDAT stream and count distinct byte values: a blank image has very few. */
function pngDistinctBytes(buf: Buffer): number {
  const idat: Buffer[] = [];
  for (let off = 8; off < buf.length; ) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  return new Set(zlib.inflateSync(Buffer.concat(idat))).size;
}

function leftoverTmpFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

// ------------------------------------------------------------------------------------------------
const html = suite('html');

html('figureToHtml: standalone page with plotly inlined, no remote scripts', () => {
  const page = figureToHtml(fig);
  const bundle = fs.readFileSync(plotlyBundlePath(), 'utf8');
  assert.ok(page.startsWith('<!DOCTYPE html>'));
  assert.ok(page.includes('plotly.js v3.7.0'), 'bundle header inlined');
  assert.ok(page.length > bundle.length, 'whole bundle inlined');
  assert.ok(page.includes(bundle.slice(-2000)), 'bundle tail inlined');
  assert.not.match(page, /<script[^>]*\bsrc\s*=/i);
  assert.not.match(page, /<link[^>]*\bhref\s*=\s*["']?https?:/i);
  assert.match(page, /<title>Export check matrix<\/title>/);
  assert.ok(page.includes('Plotly.newPlot("figure"'));
  assert.is(figureToHtml(fig, { title: 'a < b' }).match(/<title>(.*)<\/title>/)![1], 'a &lt; b');
});

html('figureToHtml: data cannot break out of the script element', () => {
  const evil = confusionMatrixFigure(CM, { labels: ['</script><script>alert(1)</script>', 'b'] });
  const page = figureToHtml(evil);
  const afterBundle = page.slice(page.indexOf('Plotly.newPlot("figure"'));
  assert.not.ok(afterBundle.includes('</script><script>alert'));
  assert.ok(afterBundle.includes('\\u003c/script>'));
});

html('writeFileAtomic replaces the file and leaves no .tmp; stripFormatExtension', () => {
  const file = path.join(tmp, 'atomic', 'a.txt');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, 'two');
  assert.is(fs.readFileSync(file, 'utf8'), 'two');
  assert.equal(leftoverTmpFiles(path.dirname(file)), []);
  assert.is(stripFormatExtension('out/cm.png'), 'out/cm');
  assert.is(stripFormatExtension('out/cm.v2'), 'out/cm.v2');
});

html('decodeDataUrl handles base64 and URI-encoded data URLs', () => {
  assert.is(decodeDataUrl('data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E', 'svg'), '<svg></svg>');
  assert.ok((decodeDataUrl(`data:image/png;base64,${PNG_SIGNATURE.toString('base64')}`, 'png') as Buffer).equals(PNG_SIGNATURE));
});

html('without Chromium: HTML is still written, PNG/SVG fail with a one-line how-to', async () => {
  const ex = new FigureExporter({ resolveChromium: () => undefined });
  const base = path.join(tmp, 'nochrome', 'cm');
  let err: Error | undefined;
  try {
    await ex.save(fig, base, ['png', 'html']);
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err, 'png must fail');
  assert.not.ok(err!.message.includes('\n'), 'one line');
  assert.match(err!.message, /apt-get install chromium/);
  assert.match(err!.message, /PIXELWISE_CHROMIUM/);
  assert.ok(fs.existsSync(`${base}.html`));
  assert.not.ok(fs.existsSync(`${base}.png`));
  assert.is(ex.launches, 0);
  await ex.close();
  assert.not.ok(noChromiumError('svg').message.includes('\n'));
});

html('findChromium: option, then env, then fixed paths; bad explicit paths are errors', () => {
  const fake = path.join(tmp, 'fake-chrome');
  fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
  assert.is(findChromium(fake, {}), fake);
  assert.is(findChromium(undefined, { PIXELWISE_CHROMIUM: fake }), fake);
  assert.is(findChromium(undefined, { PATH: tmp }, []), undefined);
  const binDir = path.join(tmp, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  fs.copyFileSync(fake, path.join(binDir, 'chromium-browser'));
  fs.chmodSync(path.join(binDir, 'chromium-browser'), 0o755);
  assert.is(findChromium(undefined, { PATH: binDir }, []), path.join(binDir, 'chromium-browser'));
  assert.throws(() => findChromium('/nonexistent/chrome', {}), /PIXELWISE_CHROMIUM/);
  assert.throws(() => findChromium(undefined, { PIXELWISE_CHROMIUM: '/nonexistent/chrome' }), /not an executable/);
});

html.run();

// ------------------------------------------------------------------------------------------------
const images = suite('images (Chromium)');
const chromiumPath = findChromium();
let exporter: FigureExporter;
let checker: Browser | undefined;

images.before(() => {
  if (!chromiumPath) throw new Error('Chromium not found: apt-get install chromium or set PIXELWISE_CHROMIUM (these tests do not skip)');
  exporter = createExporter({ executablePath: chromiumPath });
});

images.after(async () => {
  await exporter?.close();
  await checker?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function checkerBrowser(): Promise<Browser> {
  checker ??= await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  return checker;
}

images('save png+svg+html: files written atomically, PNG size matches the request', async () => {
  const base = path.join(tmp, 'out', 'confusion');
  const files = await exporter.save(fig, `${base}.png`, ['png', 'svg', 'html'], { width: 640, height: 480 });
  assert.equal(files, [`${base}.png`, `${base}.svg`, `${base}.html`]);
  const png = fs.readFileSync(`${base}.png`);
  assert.equal(pngSize(png), { width: 640, height: 480 });
  assert.ok(pngDistinctBytes(png) > 20, 'PNG is not blank');
  const svg = fs.readFileSync(`${base}.svg`, 'utf8');
  assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
  assert.ok(svg.includes('Export check matrix'));
  assert.match(svg, /width="640"/);
  assert.equal(leftoverTmpFiles(path.dirname(base)), []);
});

images('layout size is the default; scale multiplies PNG pixels', async () => {
  const png = await exporter.toImage(curves, 'png');
  assert.equal(pngSize(png), { width: curves.layout.width!, height: curves.layout.height! });
  const png2 = await exporter.toImage(fig, 'png', { width: 400, height: 300, scale: 2 });
  assert.equal(pngSize(png2), { width: 800, height: 600 });
});

images('SVG parses as XML with an <svg> root and the expected text', async () => {
  const svg = await exporter.toImage(curves, 'svg');
  const page = await (await checkerBrowser()).newPage();
  const parsed = await page.evaluate((s) => {
    const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
    return {
      errors: doc.getElementsByTagName('parsererror').length,
      root: doc.documentElement.nodeName,
      text: Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent),
    };
  }, svg);
  await page.close();
  assert.is(parsed.errors, 0);
  assert.is(parsed.root, 'svg');
  for (const t of ['Training curves', 'loss', 'accuracy', 'epoch', 'train', 'validation']) assert.ok(parsed.text.includes(t), `svg text has '${t}'`);
});

images('the HTML page renders offline: no network requests, plot drawn', async () => {
  const file = path.join(tmp, 'out', 'offline.html');
  fs.writeFileSync(file, figureToHtml(curves));
  const page = await (await checkerBrowser()).newPage();
  const remote: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) remote.push(r.url());
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector('#figure .main-svg', { timeout: 20000 });
  const traces = await page.evaluate(() => document.querySelectorAll('#figure .scatterlayer .trace').length);
  await page.close();
  assert.is(traces, 4);
  assert.equal(remote, []);
});

images('one browser is reused across many exports, including concurrent ones', async () => {
  const results = await Promise.all([
    exporter.toImage(fig, 'png', { width: 320, height: 240 }),
    exporter.toImage(curves, 'svg'),
    exporter.toImage(fig, 'png', { width: 330, height: 250 }),
  ]);
  assert.equal(pngSize(results[0] as Buffer), { width: 320, height: 240 });
  assert.ok((results[1] as string).startsWith('<svg'));
  assert.equal(pngSize(results[2] as Buffer), { width: 330, height: 250 });
  assert.is(exporter.launches, 1);
});

images('a render error is one clear line and does not break the exporter', async () => {
  let message = '';
  await exporter.toImage(fig, 'png', { width: 120, height: 90 }).catch((e: Error) => (message = e.message));
  assert.match(message, /rendering "Export check matrix" as png at 120×90 failed/);
  assert.not.ok(message.includes('\n'));
  assert.equal(pngSize(await exporter.toImage(fig, 'png', { width: 400, height: 300 })), { width: 400, height: 300 });
  assert.is(exporter.launches, 1);
});

images('a closed exporter refuses to render', async () => {
  const ex = createExporter({ executablePath: chromiumPath });
  await ex.close();
  let message = '';
  await ex.toImage(fig, 'png').catch((e: Error) => (message = e.message));
  assert.match(message, /closed/);
  assert.is(ex.launches, 0);
});

images.run();
