/** Result tables, data statistics and the small pure helpers behind the notebooks' figures. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DigitSet } from '../lib/data/mnist';
import { reportFromConfusion } from '../lib/eval/metrics';
import { classCounts, pixelStats, samplesPerClass } from '../lib/report/data-stats';
import { tileImages } from '../lib/report/data-figures';
import { calibrationFrame, confusedPairs, formatCell, perClassF1Frame, RunLike, runsFrame, tableData, tableHtml, toCsv } from '../lib/report/tables';
import type { RunSummary, TrainConfig } from '../lib/train/types';

function run(name: string, matrix: number[][]): RunLike {
  const report = reportFromConfusion(matrix);
  const summary: RunSummary = { model: 'cnn-small', params: 1000, backend: 'cpu', epochs: 1, testLoss: 0.1, trainSeconds: 2, samplesPerSecond: 50, testAccuracy: report.accuracy, ...report };
  return { name, config: { model: 'cnn-small' } as TrainConfig, summary };
}

const M = [
  [8, 2, 0],
  [1, 9, 0],
  [0, 3, 7],
];

test('confusedPairs: off-diagonal cells, most frequent first, with the share of the true class', () => {
  assert.equal(confusedPairs(M), [
    { trueLabel: 2, predicted: 1, count: 3, rate: 0.3 },
    { trueLabel: 0, predicted: 1, count: 2, rate: 0.2 },
    { trueLabel: 1, predicted: 0, count: 1, rate: 0.1 },
  ]);
});

test('runsFrame and perClassF1Frame: one row per run / per digit', () => {
  const runs = [run('a', M), run('b', [[10, 0, 0], [0, 10, 0], [0, 0, 10]])];
  const frame = runsFrame(runs);
  assert.equal(frame.columns, ['model', 'architecture', 'params', 'epochs', 'testAccuracy', 'macroF1', 'ece', 'trainSeconds', 'samplesPerSecond']);
  assert.equal(frame.column('model').values, ['a', 'b']);
  assert.is(frame.column('testAccuracy').values[0], 0.8);
  const f1 = perClassF1Frame(runs);
  assert.equal(f1.columns, ['digit', 'a', 'b']);
  assert.equal(f1.column('b').values, [1, 1, 1]);
});

test('calibrationFrame: ECE, temperature and ECE after scaling per run; a run without them shows –', () => {
  const calibrated = run('a', M);
  calibrated.summary.ece = 0.12;
  calibrated.summary.calibration = { ece: 0.12, bins: [], temperature: 0.5, scaled: { ece: 0.02, bins: [] } };
  const frame = calibrationFrame([calibrated, run('old', M)]);
  assert.equal(frame.columns, ['model', 'testAccuracy', 'ece', 'temperature', 'eceAfterScaling']);
  assert.equal(frame.column('temperature').values[0], 0.5);
  assert.equal(tableData(frame).rows[1].slice(2).map(formatCell), ['–', '–', '–']);
});

test('tables: numbers formatted, HTML escaped, numeric columns right-aligned; CSV quoted', () => {
  assert.is(formatCell(0.991234), '0.9912');
  assert.is(formatCell(1234567), '1,234,567');
  assert.is(formatCell(NaN), '–');
  const data = tableData([{ name: '<b>"x"</b>', value: 0.5 }, { name: 'y, z', value: 2 }]);
  const html = tableHtml(data, 'a & b');
  assert.match(html, /<caption>a &amp; b<\/caption>/);
  assert.match(html, /&lt;b&gt;&quot;x&quot;&lt;\/b&gt;/);
  assert.match(html, /<th style="text-align:right">value<\/th>/);
  assert.is(toCsv(data), 'name,value\n"<b>""x""</b>",0.5\n"y, z",2\n');
});

test('data statistics of a tiny digit set', () => {
  // Three 2×2 images: labels 1, 0, 1.
  const set: DigitSet = { images: Uint8Array.from([0, 255, 0, 255, 0, 0, 0, 0, 255, 255, 255, 0]), labels: Uint8Array.from([1, 0, 1]), count: 3, height: 2, width: 2 };
  assert.equal(classCounts(set).slice(0, 3), [1, 2, 0]);
  assert.equal(samplesPerClass(set, 1).slice(0, 3), [[1], [0], []]);
  const stats = pixelStats(set);
  assert.is(stats.histogram[255], 5);
  assert.is(stats.zeroFraction, 7 / 12);
  assert.ok(Math.abs(stats.mean - 5 / 12) < 1e-12);
  assert.ok(Math.abs(stats.std - Math.sqrt(5 / 12 - (5 / 12) ** 2)) < 1e-12);
  assert.equal(stats.meanImages[1], [0.5, 1, 0.5, 0.5]);
  assert.equal(stats.inkFraction.slice(0, 2), [0, 5 / 8]);
});

test('tileImages: tiles on a grid with null gaps, missing tiles left empty', () => {
  const z = tileImages([[[1, 2, 3, 4], [5, 6, 7, 8]], [[9, 9, 9, 9]]], 2, 1);
  assert.equal(z, [
    [1, 2, null, 5, 6],
    [3, 4, null, 7, 8],
    [null, null, null, null, null],
    [9, 9, null, null, null],
    [9, 9, null, null, null],
  ]);
});

test.run();
