import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium } from 'playwright-core';
import { confusionMatrixFigure, figureToNotebookHtml, findChromium, perClassFigure, resetNotebookPlotly, show } from '../lib/plot';
import { CHROMIUM_ARGS } from '../lib/plot/chromium';

const fig = confusionMatrixFigure([
  [9, 1],
  [2, 8],
]);
const bars = perClassFigure([
  { precision: 0.9, recall: 0.8, f1: 0.85, support: 10 },
  { precision: 0.8, recall: 0.9, f1: 0.85, support: 10 },
]);
const BUNDLE_MARK = 'plotly.js v3.7.0';

test('show(): plotly inlined with the first figure only, later figures are small', () => {
  resetNotebookPlotly();
  const shown: string[] = [];
  const display = { html: (s: string) => void shown.push(s) };
  show(fig, { display });
  show(bars, { display });
  show(fig, { display, includePlotly: true });
  assert.is(shown.length, 3);
  assert.ok(shown[0].includes(BUNDLE_MARK));
  assert.ok(shown[0].includes('if (!window.Plotly)'), 'bundle guarded');
  assert.not.ok(shown[1].includes(BUNDLE_MARK));
  assert.ok(shown[1].length < 20_000, `second figure is ${shown[1].length} chars`);
  assert.ok(shown[2].includes(BUNDLE_MARK), 'includePlotly: true forces it');
  for (const h of shown) assert.not.match(h, /<script[^>]*\bsrc\s*=/i);
});

test('show(): a failing display does not mark plotly as sent; outside a kernel the error says what to do', () => {
  resetNotebookPlotly();
  const broken = {
    html: () => {
      throw new Error('Not ready');
    },
  };
  assert.throws(() => show(fig, { display: broken }), /tslab notebook kernel only.*Not ready.*figureToHtml/);
  const shown: string[] = [];
  show(fig, { display: { html: (s) => void shown.push(s) } });
  assert.ok(shown[0].includes(BUNDLE_MARK), 'still inlined after the failed attempt');
  // Plain node (no tslab kernel): tslab's display is "Not ready".
  assert.throws(() => show(fig), /tslab notebook kernel only/);
});

test('notebook fragments draw in a browser, in either order of arrival', async () => {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium not found: apt-get install chromium or set PIXELWISE_CHROMIUM');
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const remote: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') remote.push(r.url());
    });
    // The small fragment arrives before the one carrying plotly: it waits for window.Plotly.
    const later = figureToNotebookHtml(bars, { includePlotly: false, id: 'second' });
    const first = figureToNotebookHtml(fig, { includePlotly: true, id: 'first' });
    await page.setContent(`<!DOCTYPE html><html><body>${later}${first}</body></html>`);
    await page.waitForSelector('#first .main-svg', { timeout: 20000 });
    await page.waitForSelector('#second .main-svg', { timeout: 5000 });
    const bars3 = await page.evaluate(() => document.querySelectorAll('#second .barlayer .trace').length);
    assert.is(bars3, 3);
    assert.equal(remote, []);
  } finally {
    await browser.close();
  }
});

test.run();
