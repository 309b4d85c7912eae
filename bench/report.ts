/** The benchmark's readable report (plain-text tables) and its one-line JSON summary. */
import { protocolFor } from './engines';
import { median } from './measure';
import type { BenchmarkReport, Engine, KernelProfile, Measurement, Outcome } from './types';

/** The --json line: per model and engine, only what was measured. */
export interface JsonSummary {
  models: Record<string, Partial<Record<Engine, { trainSamplesPerSec: number; inferImagesPerSec: number; peakRssMB: number }>>>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function measured(outcome: Outcome | undefined): Measurement | undefined {
  return outcome?.status === 'measured' ? outcome.result : undefined;
}

export function jsonSummary(report: BenchmarkReport): JsonSummary {
  const models: JsonSummary['models'] = {};
  for (const [model, outcomes] of Object.entries(report.models)) {
    models[model] = {};
    for (const [engine, outcome] of Object.entries(outcomes) as [Engine, Outcome][]) {
      const m = measured(outcome);
      if (m) models[model][engine] = { trainSamplesPerSec: round1(m.trainSamplesPerSec), inferImagesPerSec: round1(m.inferImagesPerSec), peakRssMB: round1(m.peakRssMB) };
    }
  }
  return { models };
}

export interface Ratio {
  model: string;
  engine: Engine;
  /**
   * The tfjs engine's throughput over PyTorch's (above 1, the tfjs engine is faster): the median of the
   * rounds' ratios, each of the two engines measured in the same round.
   */
  train: number;
  infer: number;
  /** With more than one round: every round's training ratio, in round order. */
  trainRounds?: number[];
}

/** Engine / PyTorch for every model and tfjs engine measured alongside PyTorch, round by round. */
export function torchRatios(report: BenchmarkReport): Ratio[] {
  return Object.entries(report.models).flatMap(([model, outcomes]) => {
    const torch = report.rounds[model]?.torch;
    if (!torch) return [];
    return (Object.keys(outcomes) as Engine[]).flatMap((engine) => {
      const ours = report.rounds[model][engine];
      if (!ours || engine === 'torch') return [];
      const paired = ours.flatMap((r, i) => (r && torch[i] ? [{ train: r.trainSamplesPerSec / torch[i]!.trainSamplesPerSec, infer: r.inferImagesPerSec / torch[i]!.inferImagesPerSec }] : []));
      if (paired.length === 0) return [];
      const trainRounds = paired.map((p) => p.train);
      return [{ model, engine, train: median(trainRounds), infer: median(paired.map((p) => p.infer)), ...(paired.length > 1 && { trainRounds }) }];
    });
  });
}

/** Columns padded to their widest cell; the first `leftColumns` left-aligned, the rest (numbers) right-aligned. */
export function formatTable(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const fixed = (x: number, digits = 1) => x.toFixed(digits);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** Slowest–fastest timed call as a throughput range: how much the (shared) machine's load moved the runs. */
const range = (batchSize: number, timesMs: number[]) => `${fixed((batchSize * 1000) / Math.max(...timesMs))}–${fixed((batchSize * 1000) / Math.min(...timesMs))}`;

export function outcomeSummary(outcome: Outcome): string {
  if (outcome.status !== 'measured') return `${outcome.status}: ${outcome.reason}`;
  const m = outcome.result;
  return `train ${fixed(m.trainSamplesPerSec)} samples/s, infer ${fixed(m.inferImagesPerSec)} images/s, peak RSS ${fixed(m.peakRssMB, 0)} MB`;
}

function throughputTable(report: BenchmarkReport): string {
  const rows = Object.entries(report.models).flatMap(([model, outcomes]) =>
    (Object.entries(outcomes) as [Engine, Outcome][]).map(([engine, outcome], i) => {
      const m = measured(outcome);
      const values = m
        ? [
            m.params.toLocaleString('en-US'),
            fixed(m.trainSamplesPerSec),
            range(m.batchSize, m.stepMs),
            fixed(m.inferImagesPerSec),
            range(m.batchSize, m.inferMs),
            fixed(m.peakRssMB, 0),
          ]
        : ['', outcome.status, '', '—', '', '—'];
      return [i === 0 ? model : '', engine, ...values];
    }),
  );
  if (rows.length === 0) return 'no model was measured';
  return formatTable(['model', 'engine', 'params', 'train samples/s', '(range)', 'infer images/s', '(range)', 'peak RSS MB'], rows, 2);
}

function ratioTable(report: BenchmarkReport): string | undefined {
  const ratios = torchRatios(report);
  if (ratios.length === 0) return undefined;
  const perRound = ratios.some((r) => r.trainRounds);
  const rows = ratios.map((r, i) => [
    i > 0 && ratios[i - 1].model === r.model ? '' : r.model, r.engine, `${r.train.toFixed(2)}×`, `${r.infer.toFixed(2)}×`,
    ...(perRound ? [(r.trainRounds ?? []).map((x) => `${x.toFixed(2)}×`).join(' ')] : []),
  ]);
  return formatTable(['model', 'engine', 'train', 'infer', ...(perRound ? ['train, round by round'] : [])], rows, 2);
}

export function profileTable(profile: KernelProfile, top: number): string {
  const rows = profile.top.slice(0, top).map((k) => [k.name, fixed(k.ms), pct(k.share), `${k.calls}`]);
  return formatTable(['kernel', 'ms', 'share', 'calls'], rows);
}

function profiles(report: BenchmarkReport, top: number): string[] {
  return Object.entries(report.models).flatMap(([model, outcomes]) =>
    (Object.entries(outcomes) as [Engine, Outcome][]).flatMap(([engine, outcome]) => {
      const profile = measured(outcome)?.profile;
      if (!profile) return [];
      const title = `${model} · ${engine}: ${fixed(profile.totalMs)} ms of kernel time in ${profile.kernelCalls} kernel calls`;
      return [`${title}\n${indent(profileTable(profile, top))}`];
    }),
  );
}

function notMeasured(report: BenchmarkReport): string[] {
  return Object.entries(report.models).flatMap(([model, outcomes]) =>
    (Object.entries(outcomes) as [Engine, Outcome][]).flatMap(([engine, outcome]) =>
      outcome.status === 'measured' ? [] : [`${model} · ${engine}: ${outcomeSummary(outcome)}`],
    ),
  );
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

export function renderReport(report: BenchmarkReport, profileTop = 5): string {
  const { settings: s, machine: m } = report;
  const engineWidth = Math.max(0, ...Object.keys(report.engines).map((e) => e.length)) + 2;
  const [fast, cpu] = [protocolFor('wasm', s.steps), protocolFor('cpu', s.steps)];
  const sections = [
    [
      `PixelWise benchmark ${report.createdAt}`,
      `batch ${s.batchSize}, seed ${s.seed}; median of ${fast.steps} timed training steps / inference batches after ${fast.warmup} warm-up (cpu: ${cpu.steps} after ${cpu.warmup}); synthetic data`
        + (s.rounds > 1 ? `; ${s.rounds} rounds, the engines' order reversed every other round: the table shows each engine's median round, the ratios are medians of the rounds' ratios` : ''),
      `machine: ${m.cpus} × ${m.cpuModel}, ${(m.totalMemMB / 1024).toFixed(1)} GB, Node ${m.node}, tfjs ${m.tfjs}`,
      `load average (1/5/15 min): ${loads(m.loadAverage.start)} at start, ${loads(m.loadAverage.end)} at end`,
    ].join('\n'),
    'engines:\n' + indent(Object.entries(report.engines).map(([engine, detail]) => `${engine.padEnd(engineWidth)}${detail}`).join('\n')),
    throughputTable(report),
  ];
  const ratios = ratioTable(report);
  sections.push(ratios ? `tfjs engine / PyTorch (above 1: the tfjs engine is faster)\n${ratios}` : 'tfjs engine / PyTorch: no model was measured on both');
  if (report.engines.torch?.includes('REFERENCE BLAS')) sections.unshift('WARNING: PyTorch runs on the reference BLAS here; its figures are 3-4x too low (apt-get install libopenblas0-pthread)');
  const profileBlocks = profiles(report, profileTop);
  if (profileBlocks.length) sections.push(`Per-kernel time of one training step (tf.profile), top ${profileTop}\n${profileBlocks.join('\n')}`);
  const missing = notMeasured(report);
  if (missing.length) sections.push(`Not measured:\n${indent(missing.join('\n'))}`);
  return sections.join('\n\n') + '\n';
}
