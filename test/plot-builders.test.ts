import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClassMetrics } from '../lib/eval/metrics';
import type { EpochMetrics } from '../lib/train/types';
import {
  attentionOverlayFigure,
  bestSoFar,
  confusionMatrixFigure,
  examplesGridFigure,
  modelComparisonFigure,
  normalizeConfusion,
  numberBoxesFigure,
  stepsFigure,
  perClassFigure,
  sweepDimensions,
  sweepParallelFigure,
  sweepProgressFigure,
  trainingCurvesFigure,
  upsampleGrid,
} from '../lib/plot';
import type { Figure, SweepTrial } from '../lib/plot';

const close = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) <= eps;
const isPlainJson = (fig: Figure) => JSON.stringify(JSON.parse(JSON.stringify(fig))) === JSON.stringify(fig);

// rows: true label, columns: predicted label
const CM = [
  [50, 2, 0],
  [3, 40, 7],
  [0, 0, 0], // a class with no samples
];

test('confusion: counts heatmap, one annotation per cell with the count', () => {
  const fig = confusionMatrixFigure(CM, { labels: ['a', 'b', 'c'] });
  assert.is(fig.data.length, 1);
  const tr = fig.data[0];
  assert.is(tr.type, 'heatmap');
  assert.equal(tr.z, CM);
  assert.equal(tr.text, CM.map((r) => r.map(String)));
  const ann = fig.layout.annotations!;
  assert.is(ann.length, 9);
  for (const a of ann) assert.is(a.text, String(CM[a.y as number][a.x as number]));
  assert.is((fig.layout.yaxis as { autorange: string }).autorange, 'reversed');
  assert.equal((fig.layout.xaxis as { ticktext: string[] }).ticktext, ['a', 'b', 'c']);
  assert.is(fig.layout.title!.text, 'Confusion matrix');
  assert.ok(isPlainJson(fig));
  // input not mutated
  assert.equal(CM[1], [3, 40, 7]);
});

test('confusion: normalised by true label → rows sum to 1 (empty row stays 0)', () => {
  const fig = confusionMatrixFigure(CM, { normalize: 'true' });
  const z = fig.data[0].z as number[][];
  assert.ok(close(z[0].reduce((a, b) => a + b), 1));
  assert.ok(close(z[1].reduce((a, b) => a + b), 1));
  assert.equal(z[2], [0, 0, 0]);
  assert.ok(close(z[1][2], 7 / 50));
  // cell text shows the normalised value, hover data keeps the count
  assert.is((fig.data[0].text as string[][])[1][2], '0.14');
  assert.is((fig.data[0].customdata as unknown[][][])[1][2][2], 7);
  assert.is(fig.data[0].zmax, 1);
  assert.match(fig.layout.title!.text, /true label/);
});

test('confusion: normalised by prediction → columns sum to 1', () => {
  const z = normalizeConfusion(CM, 'pred');
  for (let c = 0; c < 3; c++) assert.ok(close(z[0][c] + z[1][c] + z[2][c], 1), `column ${c}`);
  assert.ok(close(z[1][0], 3 / 53));
  const fig = confusionMatrixFigure(CM, { normalize: 'pred' });
  assert.equal(fig.data[0].z, z);
});

test('confusion: rejects non-square matrices and wrong label counts', () => {
  assert.throws(() => confusionMatrixFigure([[1, 2]]), /square/);
  assert.throws(() => confusionMatrixFigure(CM, { labels: ['a'] }), /labels/);
});

const EPOCHS: EpochMetrics[] = [
  { epoch: 2, loss: 0.5, acc: 0.85, valLoss: 0.55, valAcc: 0.84, lr: 1e-3, seconds: 10 },
  { epoch: 1, loss: 1.2, acc: 0.6, valLoss: 0.9, valAcc: 0.7, lr: 1e-3, seconds: 11 },
  { epoch: 3, loss: 0.3, acc: 0.92, valLoss: 0.4, valAcc: 0.9, lr: 5e-4, seconds: 10 },
];

test('curves: loss and accuracy subplots with train/validation traces per epoch (sorted)', () => {
  const fig = trainingCurvesFigure(EPOCHS);
  assert.is(fig.data.length, 4);
  const [loss, valLoss, acc, valAcc] = fig.data;
  for (const t of fig.data) assert.equal(t.x, [1, 2, 3]);
  assert.equal(loss.y, [1.2, 0.5, 0.3]);
  assert.equal(valLoss.y, [0.9, 0.55, 0.4]);
  assert.equal(acc.y, [0.6, 0.85, 0.92]);
  assert.equal(valAcc.y, [0.7, 0.84, 0.9]);
  assert.is(loss.xaxis, 'x');
  assert.is(loss.yaxis, 'y');
  assert.is(acc.xaxis, 'x2');
  assert.is(acc.yaxis, 'y2');
  assert.is(valAcc.yaxis, 'y2');
  assert.equal(EPOCHS[0].epoch, 2, 'input order kept');
  const d1 = (fig.layout.xaxis as { domain: number[] }).domain;
  const d2 = (fig.layout.xaxis2 as { domain: number[] }).domain;
  assert.ok(d1[1] < d2[0], 'subplots side by side');
});

test('curves: missing validation → train traces only; NaN becomes a gap', () => {
  const rows = EPOCHS.map((m) => ({ ...m, valLoss: NaN, valAcc: NaN }));
  rows[1].loss = NaN;
  const fig = trainingCurvesFigure(rows);
  assert.is(fig.data.length, 2);
  assert.equal(fig.data[0].y, [null, 0.5, 0.3]);
  const pct = trainingCurvesFigure(EPOCHS, { percent: true });
  assert.ok(close(pct.data[2].y![2] as number, 92));
});

function ring(): Float32Array {
  const px = new Float32Array(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) px[y * 28 + x] = Math.abs(Math.hypot(x - 14, y - 14) - 7) < 2 ? 1 : 0;
  return px;
}

test('examples: one grey heatmap subplot per example, titled "true 3 → pred 5 (87%)"', () => {
  const pixels = ring();
  const examples = [
    { pixels, trueLabel: 3, predicted: 5, confidence: 0.874 },
    { pixels: Array.from(pixels), trueLabel: 1, predicted: 7, confidence: 0.5 },
    { pixels, trueLabel: 9, predicted: 4, confidence: 0.999 },
  ];
  const fig = examplesGridFigure(examples, { cols: 2 });
  assert.is(fig.data.length, 3);
  const titles = fig.layout.annotations!.map((a) => a.text);
  assert.equal(titles, ['true 3 → pred 5 (87%)', 'true 1 → pred 7 (50%)', 'true 9 → pred 4 (100%)']);
  fig.data.forEach((t, i) => {
    assert.is(t.type, 'heatmap');
    assert.is(t.z!.length, 28);
    assert.is(t.z![0].length, 28);
    assert.is(t.xaxis, i === 0 ? 'x' : `x${i + 1}`);
    assert.is(t.showscale, false);
  });
  // z is the image row by row
  assert.is(fig.data[0].z![14][7], pixels[14 * 28 + 7]);
  assert.ok(Array.isArray(fig.data[0].z![0]), 'typed arrays converted to plain arrays');
  for (const key of ['yaxis', 'yaxis2', 'yaxis3']) assert.is((fig.layout[key] as { autorange: string }).autorange, 'reversed');
  // 2 columns: example 3 is on the second row, below example 1
  const y1 = (fig.layout.yaxis as { domain: number[] }).domain;
  const y3 = (fig.layout.yaxis3 as { domain: number[] }).domain;
  assert.ok(y3[1] < y1[0]);
  assert.ok(isPlainJson(fig));
  assert.throws(() => examplesGridFigure([{ pixels: [1, 2, 3], trueLabel: 0, predicted: 1, confidence: 1 }]), /square/);
  assert.is(examplesGridFigure(examples, { max: 1 }).data.length, 1);
});

const PER_CLASS: ClassMetrics[] = [
  { precision: 0.99, recall: 0.98, f1: 0.985, support: 980 },
  { precision: 0.97, recall: 0.99, f1: 0.98, support: 1135 },
  { precision: 0.9, recall: 0.95, f1: 0.924, support: 1032 },
];

test('per-class: grouped precision/recall/F1 bars', () => {
  const fig = perClassFigure(PER_CLASS);
  assert.is(fig.layout.barmode, 'group');
  assert.equal(fig.data.map((t) => t.name), ['precision', 'recall', 'F1']);
  for (const t of fig.data) {
    assert.is(t.type, 'bar');
    assert.equal(t.x, ['0', '1', '2']);
  }
  assert.equal(fig.data[0].y, [0.99, 0.97, 0.9]);
  assert.equal(fig.data[1].y, [0.98, 0.99, 0.95]);
  assert.equal(fig.data[2].y, [0.985, 0.98, 0.924]);
  assert.equal(fig.data[0].customdata, [980, 1135, 1032]);
  assert.equal((fig.layout.yaxis as { range: number[] }).range, [0.85, 1]);
  assert.equal((perClassFigure(PER_CLASS, { yRange: 'full' }).layout.yaxis as { range: number[] }).range, [0, 1]);
});

test('comparison: accuracy bars + accuracy-vs-params (or time) scatter', () => {
  const models = [
    { name: 'mlp', testAccuracy: 0.978, params: 101770, trainSeconds: 40 },
    { name: 'cnn', testAccuracy: 0.992, params: 1_200_000, trainSeconds: 300 },
  ];
  const fig = modelComparisonFigure(models);
  const [bar, scatter] = fig.data;
  assert.is(bar.type, 'bar');
  assert.equal(bar.x, ['mlp', 'cnn']);
  assert.equal(bar.y, [0.978, 0.992]);
  assert.equal(bar.text, ['97.80%', '99.20%']);
  assert.is(scatter.type, 'scatter');
  assert.equal(scatter.x, [101770, 1_200_000]);
  assert.equal(scatter.y, [0.978, 0.992]);
  assert.equal(scatter.text, ['mlp', 'cnn']);
  assert.is(scatter.xaxis, 'x2');
  assert.is((fig.layout.xaxis2 as { type: string }).type, 'log');
  const byTime = modelComparisonFigure(models, { versus: 'trainSeconds', sort: 'accuracy' });
  assert.equal(byTime.data[1].x, [300, 40]);
  assert.equal(byTime.data[0].x, ['cnn', 'mlp']);
  assert.match((byTime.layout.xaxis2 as { title: { text: string } }).title.text, /time/);
});

const TRIALS: SweepTrial[] = [
  { params: { lr: 1e-4, optimizer: 'adam', batchSize: 32 }, score: 0.95 },
  { params: { lr: 1e-2, optimizer: 'sgd', batchSize: 64 }, score: 0.97 },
  { params: { lr: 1e-3, optimizer: 'adam', batchSize: 128 }, score: 0.96 },
  { params: { lr: 3e-3, optimizer: 'adamw' }, score: 0.99 },
];

test('sweep: parallel coordinates, categorical params as integer ticks, score last', () => {
  const fig = sweepParallelFigure(TRIALS, { scoreName: 'val acc' });
  const tr = fig.data[0];
  assert.is(tr.type, 'parcoords');
  const dims = tr.dimensions as { label: string; values: number[]; tickvals?: number[]; ticktext?: string[] }[];
  assert.equal(dims.map((d) => d.label), ['lr (log)', 'optimizer', 'batchSize', 'val acc']);
  const opt = dims[1];
  assert.equal(opt.ticktext, ['adam', 'adamw', 'sgd']);
  assert.equal(opt.tickvals, [0, 1, 2]);
  assert.equal(opt.values, [0, 2, 0, 1]);
  const lr = dims[0];
  assert.ok(lr.values.every((v, i) => close(v, Math.log10(TRIALS[i].params.lr as number))));
  assert.equal(lr.ticktext, ['1e-4', '1e-3', '1e-2']);
  assert.equal(dims[2].values.slice(0, 3), [32, 64, 128]);
  assert.ok(Number.isNaN(dims[2].values[3]), 'missing numeric param is NaN');
  assert.equal(dims[3].values, [0.95, 0.97, 0.96, 0.99]);
  assert.equal((tr.line as { color: number[] }).color, [0.95, 0.97, 0.96, 0.99]);
  // log axis off → raw values; missing categorical → '(unset)'
  const plain = sweepDimensions([{ params: { lr: 1e-4 }, score: 1 }, { params: { lr: 1e-2, act: 'relu' }, score: 2 }], { logParams: [] });
  assert.equal(plain[0], { label: 'lr', values: [1e-4, 1e-2] });
  assert.equal(plain[1].ticktext, ['(unset)', 'relu']);
});

test('sweep: best-so-far line over trials', () => {
  assert.equal(bestSoFar([0.9, 0.8, NaN, 0.95, 0.93]), [0.9, 0.9, 0.9, 0.95, 0.95]);
  assert.equal(bestSoFar([NaN, 3, 1, 2], 'minimize'), [null, 3, 1, 1]);
  const fig = sweepProgressFigure(TRIALS);
  assert.equal(fig.data[0].x, [1, 2, 3, 4]);
  assert.equal(fig.data[0].y, [0.95, 0.97, 0.96, 0.99]);
  assert.is(fig.data[1].name, 'best so far');
  assert.equal(fig.data[1].y, [0.95, 0.97, 0.97, 0.99]);
  assert.is((fig.data[1].line as { shape: string }).shape, 'hv');
});

test('attention: upsampling is nearest-neighbour per patch', () => {
  const up = upsampleGrid([1, 2, 3, 4], 2, 4);
  assert.equal(up, [
    [1, 1, 2, 2],
    [1, 1, 2, 2],
    [3, 3, 4, 4],
    [3, 3, 4, 4],
  ]);
  const g7 = Array.from({ length: 49 }, (_, i) => i);
  const big = upsampleGrid(g7, 7, 28);
  assert.is(big[0][3], 0);
  assert.is(big[0][4], 1);
  assert.is(big[27][27], 48);
  assert.is(big[5][9], 1 * 7 + 2);
});

test('attention: image + overlay per panel, attention scaled to [0,1] per panel', () => {
  const image = ring();
  const a1 = Array.from({ length: 49 }, (_, i) => (i === 24 ? 0.5 : 0.01));
  const a2 = Array.from({ length: 7 }, (_, r) => Array.from({ length: 7 }, (_, c) => r + c)); // rows form
  const fig = attentionOverlayFigure(image, [
    { title: 'layer 1', attention: a1 },
    { title: 'layer 2', attention: a2 },
  ]);
  // input panel + 2 × (image, overlay)
  assert.is(fig.data.length, 5);
  assert.equal(fig.layout.annotations!.map((a) => a.text), ['input', 'layer 1', 'layer 2']);
  const overlay1 = fig.data[2];
  assert.is(overlay1.name, 'layer 1');
  assert.is(overlay1.xaxis, 'x2');
  assert.is(fig.data[1].xaxis, 'x2', 'digit under the overlay on the same axes');
  assert.ok(typeof overlay1.opacity === 'number' && overlay1.opacity > 0 && overlay1.opacity < 1);
  const z = overlay1.z!;
  assert.is(z.length, 28);
  assert.is(z[14][14], 1); // patch (3,3) = index 24 is the max
  assert.is(z[0][0], 0);
  assert.is((overlay1.customdata as number[][])[14][14], 0.5, 'hover keeps raw weights');
  const z2 = fig.data[4].z!;
  assert.is(z2[0][0], 0);
  assert.is(z2[27][27], 1);
  assert.is(fig.data[3].z![14][7], image[14 * 28 + 7]);
  assert.ok(isPlainJson(fig));
  assert.throws(() => attentionOverlayFigure(image, [{ title: 'bad', attention: [1, 2, 3] }]), /square/);
  assert.throws(() => attentionOverlayFigure(image, [{ title: 'bad', attention: [1, 2, 3, 4] }], { gridSize: 7 }), /expected 7×7/);
  const raw = attentionOverlayFigure(image, [{ title: 'l', attention: a1 }], { normalize: 'none', showInput: false });
  assert.is(raw.data.length, 2);
  assert.is(raw.data[1].z![14][14], 0.5);
});

test('steps: one grey heatmap per step, rows of any picture size, upright and titled', () => {
  const wide = { width: 3, height: 2, data: [0, 0.5, 1, 0.25, 0.75, 0.333] };
  const small = { width: 2, height: 2, data: [1, 0, 0, 1] };
  const fig = stepsFigure([
    [{ title: 'original', picture: wide }, { title: 'input', picture: small }],
    [{ title: 'only one step', picture: small }],
  ]);
  assert.is(fig.data.length, 3);
  assert.equal(fig.data[0].z, [[0, 0.5, 1], [0.25, 0.75, 0.33]]);
  assert.is(fig.data[2].xaxis, 'x3', 'the short row leaves its second cell empty');
  assert.equal(fig.layout.annotations!.map((a) => a.text), ['original', 'input', 'only one step']);
  assert.is((fig.layout.yaxis as { autorange?: string }).autorange, 'reversed');
  assert.ok(isPlainJson(fig));
});

test('number boxes: one rectangle and label per digit, uncertain ones in red', () => {
  const picture = { width: 40, height: 20, data: new Float32Array(800) };
  const fig = numberBoxesFigure(picture, [
    { box: [2, 3, 10, 14], label: '4 99.0%' },
    { box: [20, 2, 12, 15], label: '7 41.0%?', flagged: true },
  ]);
  const shapes = fig.layout.shapes as { x0: number; x1: number; line: { color: string } }[];
  assert.equal(shapes.map((s) => [s.x0, s.x1]), [[1.5, 11.5], [19.5, 31.5]]);
  assert.ok(shapes[0].line.color !== shapes[1].line.color);
  assert.equal(fig.layout.annotations!.map((a) => a.text), ['4 99.0%', '7 41.0%?']);
  assert.ok(isPlainJson(fig));
});

test.run();
