/** What notebooks record for the report, and the report built from it (one page, PNG and SVG through Chromium). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { confusionMatrixFigure } from '../lib/plot/confusion';
import { buildReport, readParts, reportHtml } from '../lib/report/html';
import { NotebookReport } from '../lib/report/record';
import { frame } from '../lib/util/frame';

const reportDir = mkdtempSync(join(tmpdir(), 'pixelwise-report-'));
const shown: string[] = [];
const display = { html: (s: string) => void shown.push(s) };
const figure = confusionMatrixFigure([[5, 1], [0, 6]], { title: 'Tiny matrix', width: 360, height: 320 });

test('NotebookReport shows each item inline and records it in order; re-adding a name replaces it', () => {
  const report = new NotebookReport('02-cnn', '02 · CNNs', 'quick', { reportDir, display });
  report.figure('confusion', figure, 'A caption');
  report.table('results', frame([{ model: 'a', acc: 0.9 }]));
  report.table('results', frame([{ model: 'a', acc: 0.95 }]));
  report.table('confusion', [{ x: 1 }]);
  assert.is(shown.length, 4);
  assert.match(shown[0], /Plotly/);
  assert.match(shown[2], /0\.95/);
  const [part] = readParts(reportDir);
  assert.is(part.notebook, '02-cnn');
  assert.equal(part.items.map((i) => `${i.kind}:${i.name}`), ['figure:confusion', 'table:results', 'table:confusion']);
  assert.equal(readFileSync(join(reportDir, 'tables', '02-cnn', 'results.csv'), 'utf8'), 'model,acc\na,0.95\n');
});

test('reportHtml: one self-contained page, plotly inlined once, a warning for the quick profile', () => {
  const page = reportHtml(readParts(reportDir));
  assert.is(page.split('plotly.js v3.7.0').length - 1, 1);
  assert.not.match(page, /<script[^>]*\bsrc\s*=/i);
  assert.match(page, /Plotly\.newPlot\("figure-1"/);
  assert.match(page, /<a href="#02-cnn">02 · CNNs<\/a>/);
  assert.match(page, /A caption · <a href="figures\/02-cnn\/confusion\.png">PNG<\/a>/);
  assert.match(page, /Quick profile/);
});

test('buildReport writes index.html and a PNG and an SVG of every figure', async () => {
  const { page, images } = await buildReport(reportDir);
  assert.is(page, join(reportDir, 'index.html'));
  assert.equal(images, [join(reportDir, 'figures/02-cnn/confusion.png'), join(reportDir, 'figures/02-cnn/confusion.svg')]);
  assert.ok(readFileSync(images[0]).subarray(1, 4).toString() === 'PNG');
  assert.match(readFileSync(images[1], 'utf8'), /^<svg/);
  assert.ok(existsSync(page));
});

test.after(() => rmSync(reportDir, { recursive: true, force: true }));
test.run();
