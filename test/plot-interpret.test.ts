import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reliability } from '../lib/eval/calibration';
import { calibrationFigure, confusionTrendFigure, embeddingFigure, overlayGridFigure } from '../lib/plot';

const digit = Array.from({ length: 784 }, (_, i) => (i % 28) / 27);

test('overlay grid: groups side by side with a spacer column, digit then overlay per panel, coarse maps upsampled', () => {
  const heat = Array.from({ length: 16 }, (_, i) => i);
  const fig = overlayGridFigure([
    { title: 'correct', panels: [{ title: 'a', pixels: digit, heat }, { title: 'b', pixels: digit }] },
    { title: 'wrong', panels: [{ title: 'c', pixels: digit, heat: digit }] },
  ], { cols: 2 });
  // a: digit + overlay, b: digit alone, c: digit + overlay
  assert.is(fig.data.length, 5);
  assert.equal(fig.data.map((t) => t.xaxis), ['x', 'x', 'x2', 'x4', 'x4']);
  const overlay = fig.data[1];
  assert.is(overlay.z!.length, 28);
  assert.is(overlay.z![0][0], 0);
  assert.is(overlay.z![27][27], 1, 'scaled to [0, 1] per panel');
  assert.is((overlay.customdata as number[][])[27][27], 15, 'hover keeps the raw value');
  assert.is(overlay.showscale, true);
  assert.is(fig.data[4].showscale, false, 'one colorbar');
  assert.ok(fig.layout.annotations!.some((a) => a.text === '<b>wrong</b>'));
  assert.throws(() => overlayGridFigure([{ title: '', panels: [{ title: 'bad', pixels: digit, heat: new Array(25).fill(0) }] }]), /5×5 heat map, which does not divide the 28×28 image/);
});

test('calibration figure: accuracy bars per bin, counts below, ECE before and after scaling in the title', () => {
  const probabilities = new Float32Array(20);
  probabilities.fill(0.1 / 9);
  probabilities[0] = 0.9;
  probabilities.fill(0.1 / 9, 10);
  probabilities[10] = 0.9;
  const rel = reliability({ labels: [0, 1], probabilities });
  const fig = calibrationFigure(rel, { scaled: { ...rel, ece: 0.1, temperature: 1.5 }, title: 'run' });
  assert.match(fig.layout.title!.text, /ECE 40\.00% → 10\.00% after temperature scaling \(15 bins\)/);
  const bars = fig.data.filter((t) => t.type === 'bar' && !t.yaxis);
  assert.is(bars.length, 2);
  assert.is(bars[0].y!.filter((v) => v !== null).length, 1, 'empty bins leave gaps');
  assert.is(bars[0].y![13], 0.5);
  assert.match(String(bars[1].name), /temperature 1\.50/);
});

test('embedding figure: one trace per true digit and one of mistakes', () => {
  const points = [[0, 0], [1, 1], [2, 2], [3, 3]];
  const fig = embeddingFigure(points, [0, 0, 1, 1], [0, 1, 1, 1]);
  assert.equal(fig.data.map((t) => t.name), ['0', '1', 'mistakes (1)']);
  assert.equal(fig.data[2].x, [1]);
  assert.equal(fig.data[2].text, ['true 0 → pred 1']);
  assert.throws(() => embeddingFigure(points, [0], [0]), /must match/);
});

test('confusion trend figure: one line per pair in percent of the true digit', () => {
  const fig = confusionTrendFigure({ epochs: [1, 2], pairs: [{ trueLabel: 4, predicted: 9, counts: [5, 2], rates: [0.5, 0.2] }] });
  assert.is(fig.data[0].name, '4 → 9');
  assert.equal(fig.data[0].y, [50, 20]);
  assert.match(String(confusionTrendFigure({ epochs: [], pairs: [] }).layout.annotations![0].text), /no confusion recorded/);
});

test.run();
