/** The benchmark's pure parts: median, kernel summaries, child-output parsing, the --json line and the tables. No timing. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findTorchPython, lastJsonLine, protocolFor, TORCH_MALLOC_ENV, torchEnvironment } from '../bench/engines';
import { median, throughput } from '../bench/measure';
import { summariseKernels } from '../bench/profile';
import { formatTable, jsonSummary, renderReport, torchRatios } from '../bench/report';
import { medianRound } from '../bench/run';
import type { BenchmarkReport, Measurement, Outcome } from '../bench/types';

function measurement(train: number, infer: number, rss: number): Measurement {
  return { params: 1000, batchSize: 128, trainSamplesPerSec: train, inferImagesPerSec: infer, peakRssMB: rss, stepMs: [100, 120], inferMs: [10, 12] };
}

const report: BenchmarkReport = {
  createdAt: '2025-01-01T00:00:00.000Z',
  settings: { batchSize: 128, steps: 5, seed: 42, maxStepSeconds: 30, models: ['classic-cnn', 'lenet5'], engines: ['wasm', 'torch', 'cpu', 'node'], rounds: 1 },
  machine: { cpus: 2, cpuModel: 'test cpu', totalMemMB: 1024, node: 'v20', tfjs: '4.22.0', loadAverage: { start: [1, 1, 1], end: [2, 2, 2] } },
  engines: { wasm: 'wasm details', torch: 'PyTorch 1.13', cpu: 'cpu details', node: 'unavailable: not installed' },
  models: {
    'classic-cnn': {
      wasm: {
        status: 'measured',
        result: {
          ...measurement(100.04, 300, 450.26),
          profile: { totalMs: 10, kernelCalls: 3, top: [{ name: 'Conv2D', ms: 7.5, calls: 2, share: 0.75 }] },
        },
      },
      torch: { status: 'measured', result: measurement(200, 200, 400) },
      cpu: { status: 'skipped', reason: 'a training step is estimated at 260 s' },
    },
    lenet5: { wasm: { status: 'measured', result: measurement(1000, 5000, 190) }, torch: { status: 'failed', reason: 'exit 1' } },
  },
  rounds: {
    'classic-cnn': { wasm: [{ trainSamplesPerSec: 100.04, inferImagesPerSec: 300 }], torch: [{ trainSamplesPerSec: 200, inferImagesPerSec: 200 }], cpu: [null] },
    lenet5: { wasm: [{ trainSamplesPerSec: 1000, inferImagesPerSec: 5000 }], torch: [null] },
  },
};

/** Three rounds in which the load moved: each round's ratio sees one load, the medians of each engine do not. */
const roundsReport: BenchmarkReport = {
  ...report,
  settings: { ...report.settings, models: ['classic-cnn'], engines: ['onednn', 'torch'], rounds: 3 },
  models: { 'classic-cnn': { onednn: { status: 'measured', result: measurement(150, 900, 300) }, torch: { status: 'measured', result: measurement(100, 300, 400) } } },
  rounds: {
    'classic-cnn': {
      onednn: [100, 300, 150].map((train, i) => ({ trainSamplesPerSec: train, inferImagesPerSec: [800, 900, 1000][i] })),
      torch: [50, 100, 200].map((train, i) => ({ trainSamplesPerSec: train, inferImagesPerSec: [400, 300, 200][i] })),
    },
  },
};

test('median: odd and even counts, unsorted input left untouched', () => {
  const values = [5, 1, 3];
  assert.is(median(values), 3);
  assert.equal(values, [5, 1, 3]);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.is(median([7]), 7);
  assert.throws(() => median([]), /no values/);
});

test('throughput: items per second of the median call', () => {
  assert.is(throughput(128, [1000, 500, 2000]), 128);
});

test('protocolFor: the cpu backend does fewer steps, never more than asked', () => {
  assert.equal(protocolFor('wasm', 5), { warmup: 2, steps: 5 });
  assert.equal(protocolFor('torch', 7), { warmup: 2, steps: 7 });
  assert.equal(protocolFor('cpu', 5), { warmup: 1, steps: 2 });
  assert.equal(protocolFor('cpu', 1), { warmup: 1, steps: 1 });
});

test('summariseKernels: summed per name, largest first, shares of the total, top N kept', () => {
  const profile = summariseKernels(
    [
      { name: 'Add', kernelTimeMs: 1 },
      { name: 'Conv2D', kernelTimeMs: 5 },
      { name: 'Add', kernelTimeMs: 2 },
      { name: 'Relu', kernelTimeMs: { error: 'no timer' } },
    ],
    2,
  );
  assert.is(profile.totalMs, 8);
  assert.is(profile.kernelCalls, 4);
  assert.equal(profile.top, [
    { name: 'Conv2D', ms: 5, calls: 1, share: 5 / 8 },
    { name: 'Add', ms: 3, calls: 2, share: 3 / 8 },
  ]);
});

test('lastJsonLine: skips banners and trailing noise, takes the last object', () => {
  const stdout = '\n=====\nHi, looks like you are running TensorFlow.js\n{"a":1}\n{"outcome":{"status":"skipped"}}\n\n';
  assert.equal(lastJsonLine(stdout), { outcome: { status: 'skipped' } });
  assert.is(lastJsonLine('{not json\nno object here'), undefined);
});

test('torchEnvironment: PyTorch starts with glibc keeping freed memory, unless the user set the variable', () => {
  const env = torchEnvironment({ PATH: '/bin', MALLOC_TOP_PAD_: '0' });
  assert.is(env.PATH, '/bin');
  assert.is(env.MALLOC_TOP_PAD_, '0');
  assert.is(env.MALLOC_MMAP_THRESHOLD_, TORCH_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_);
  assert.is(env.MALLOC_TRIM_THRESHOLD_, TORCH_MALLOC_ENV.MALLOC_TRIM_THRESHOLD_);
});

test('findTorchPython: no usable interpreter is a reason, not an error', () => {
  const found = findTorchPython(['/nonexistent/python3']);
  assert.is(found.python, undefined);
  assert.match(found.reason!, /no python with torch found \(tried \/nonexistent\/python3\)/);
});

test('jsonSummary: exactly models → engine → the three numbers, measured engines only', () => {
  const summary = jsonSummary(report);
  assert.equal(summary, {
    models: {
      'classic-cnn': {
        wasm: { trainSamplesPerSec: 100, inferImagesPerSec: 300, peakRssMB: 450.3 },
        torch: { trainSamplesPerSec: 200, inferImagesPerSec: 200, peakRssMB: 400 },
      },
      lenet5: { wasm: { trainSamplesPerSec: 1000, inferImagesPerSec: 5000, peakRssMB: 190 } },
    },
  });
  assert.equal(JSON.parse(JSON.stringify(summary)), summary);
});

test('torchRatios: every tfjs engine of the models measured with PyTorch too', () => {
  assert.equal(torchRatios(report), [{ model: 'classic-cnn', engine: 'wasm', train: 100.04 / 200, infer: 1.5 }]);
});

test('formatTable: text columns left-aligned, numbers right-aligned', () => {
  assert.is(formatTable(['model', 'n'], [['a', '1'], ['long', '100']]), 'model    n\na        1\nlong   100');
});

test('torchRatios with rounds: the median of the rounds\' ratios, not the ratio of the medians, and every round\'s', () => {
  assert.equal(torchRatios(roundsReport), [{ model: 'classic-cnn', engine: 'onednn', train: 2, infer: 3, trainRounds: [2, 3, 0.75] }]);
  const text = renderReport(roundsReport);
  assert.match(text, /3 rounds, the engines' order reversed every other round/);
  assert.match(text, /classic-cnn\s+onednn\s+2\.00×\s+3\.00×\s+2\.00× 3\.00× 0\.75×/);
});

test('medianRound: the measured round with the median training throughput, the lower middle of an even count', () => {
  const round = (train: number): Outcome => ({ status: 'measured', result: measurement(train, 1, 1) });
  const train = (o: Outcome) => (o.status === 'measured' ? o.result.trainSamplesPerSec : undefined);
  assert.is(train(medianRound([round(3), round(1), round(2)])), 2);
  assert.is(train(medianRound([round(4), { status: 'failed', reason: 'exit 1' }, round(1), round(2), round(3)])), 2);
  assert.is(medianRound([{ status: 'failed', reason: 'exit 1' }]).status, 'failed');
});

test('renderReport: every measured row, the ratio table, profiles and the reasons for what was not measured', () => {
  const text = renderReport(report);
  assert.match(text, /load average \(1\/5\/15 min\): 1\.00 1\.00 1\.00 at start, 2\.00 2\.00 2\.00 at end/);
  assert.match(text, /classic-cnn\s+wasm\s+1,000\s+100\.0\s+1066\.7–1280\.0\s+300\.0/);
  assert.match(text, /classic-cnn\s+wasm\s+0\.50×\s+1\.50×/);
  assert.match(text, /classic-cnn · wasm: 10\.0 ms of kernel time in 3 kernel calls\n\s+kernel.*\n\s+Conv2D\s+7\.5\s+75\.0%\s+2/);
  assert.match(text, /classic-cnn · cpu: skipped: a training step is estimated at 260 s/);
  assert.match(text, /lenet5 · torch: failed: exit 1/);
  assert.match(text, /node\s+unavailable: not installed/);
});

test.run();
