import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibrationSummary, ECE_BINS, fitTemperature, reliability, scaleTemperature } from '../lib/eval/calibration';
import { createRng } from '../lib/data/random';

const close = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) <= eps;

/** `count` samples whose top class 0 has probability `confidence` (the rest shared by the others), `correct` of them labelled 0. */
function samples(confidence: number, count: number, correct: number) {
  const probabilities = new Float32Array(count * 10);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    probabilities.fill((1 - confidence) / 9, i * 10, (i + 1) * 10);
    probabilities[i * 10] = confidence;
    labels[i] = i < correct ? 0 : 1 + (i % 9);
  }
  return { probabilities, labels };
}

function concat(...parts: { probabilities: Float32Array; labels: Int32Array }[]) {
  const probabilities = new Float32Array(parts.reduce((n, p) => n + p.probabilities.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let offset = 0;
  for (const p of parts) {
    probabilities.set(p.probabilities, offset * 10);
    labels.set(p.labels, offset);
    offset += p.labels.length;
  }
  return { probabilities, labels };
}

test('a perfectly calibrated set has an ECE of 0: in every bin accuracy equals confidence', () => {
  const set = concat(samples(0.5, 10, 5), samples(0.8, 20, 16), samples(1, 7, 7));
  const result = reliability(set);
  assert.ok(close(result.ece, 0), `ece ${result.ece}`);
  assert.is(result.bins.length, ECE_BINS);
  assert.is(result.bins.reduce((n, b) => n + b.count, 0), 37);
  const full = result.bins.filter((b) => b.count > 0);
  assert.equal(full.map((b) => b.count), [10, 20, 7]);
  assert.ok(close(full[1].accuracy, 0.8) && close(full[1].confidence, 0.8));
});

test('a known miscalibration gives its ECE: half at 90% confidence all right, half at 60% with 40% right', () => {
  // |1.0 − 0.9| · ½ + |0.4 − 0.6| · ½ = 0.15
  const result = reliability(concat(samples(0.9, 50, 50), samples(0.6, 50, 20)));
  assert.ok(close(result.ece, 0.15, 1e-6), `ece ${result.ece}`);
  // Overconfident everywhere: 90% confidence, 60% right.
  assert.ok(close(reliability(samples(0.9, 10, 6)).ece, 0.3, 1e-6));
});

test('bins are (lower, upper]: with 4 bins a confidence of exactly 0.5 falls in the second', () => {
  const result = reliability(samples(0.5, 1, 1), 4);
  assert.equal(result.bins.map((b) => b.count), [0, 1, 0, 0]);
  assert.equal([result.bins[1].lower, result.bins[1].upper], [0.25, 0.5]);
});

test('a mismatched probabilities array is refused with the sizes named', () => {
  assert.throws(() => reliability({ labels: [0, 1], probabilities: new Float32Array(10) }), /2 labels need 20 probabilities, got 10/);
});

test('temperature scaling: T = 1 changes nothing, and the fit recovers the temperature that made a set overconfident', () => {
  const rng = createRng(7);
  const count = 4000;
  const honest = new Float32Array(count * 10);
  const overconfident = new Float32Array(count * 10);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const logits = Array.from({ length: 10 }, () => 3 * rng());
    const softmax = (k: number) => {
      const e = logits.map((z) => Math.exp(z * k));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    honest.set(softmax(1), i * 10);
    overconfident.set(softmax(2.5), i * 10);
    // The labels follow the honest probabilities, so the overconfident set's best temperature is 2.5.
    let u = rng();
    labels[i] = 9;
    for (let c = 0; c < 10; c++) if ((u -= honest[i * 10 + c]) < 0) { labels[i] = c; break; }
  }
  const same = scaleTemperature(honest, 1);
  assert.ok(same.every((v, i) => close(v, honest[i], 1e-6)));
  const temperature = fitTemperature({ labels, probabilities: overconfident });
  assert.ok(Math.abs(temperature - 2.5) < 0.25, `fitted ${temperature}`);
  const summary = calibrationSummary({ labels, probabilities: overconfident }, { labels, probabilities: overconfident });
  assert.ok(summary.scaled!.ece < summary.ece / 2, `ECE ${summary.ece} → ${summary.scaled!.ece}`);
  assert.is(calibrationSummary({ labels, probabilities: overconfident }).temperature, null);
});

test.run();
