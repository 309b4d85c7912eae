/** The throughput benchmark: every selected model on every selected engine, each in its own child process. */
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg, totalmem } from 'os';
import { findTorchPython, runTfjs, runTorch } from './engines';
import { outcomeSummary } from './report';
import type { BenchmarkReport, BenchmarkSettings, Engine, Outcome, RoundThroughput } from './types';

const trainOf = (o: Outcome) => (o.status === 'measured' ? o.result.trainSamplesPerSec : -Infinity);

/** The outcome of the round with the median training throughput (the lower middle of an even count). */
export function medianRound(outcomes: Outcome[]): Outcome {
  const measured = outcomes.filter((o) => o.status === 'measured').sort((a, b) => trainOf(a) - trainOf(b));
  return measured.length > 0 ? measured[(measured.length - 1) >> 1] : outcomes[outcomes.length - 1];
}

export function runBenchmark(settings: BenchmarkSettings, log: (line: string) => void = () => {}): BenchmarkReport {
  const loadAtStart = loadavg();
  const engines: BenchmarkReport['engines'] = {};
  // An engine that cannot load is tried once, then left out for the remaining models.
  const unavailable = new Map<Engine, string>();
  const torch = settings.engines.includes('torch') ? findTorchPython() : {};
  if (settings.engines.includes('torch') && !torch.python) unavailable.set('torch', `PyTorch is not installed here: ${torch.reason}`);

  const models: BenchmarkReport['models'] = {};
  const rounds: BenchmarkReport['rounds'] = {};
  for (const model of settings.models) {
    const outcomes = new Map<Engine, Outcome[]>();
    rounds[model] = {};
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? settings.engines : [...settings.engines].reverse();
      for (const engine of order) {
        if (unavailable.has(engine)) continue;
        const started = Date.now();
        const spec = { ...settings, model };
        const { outcome, detail } = engine === 'torch' ? runTorch(torch.python!, spec) : runTfjs(engine, spec);
        if (detail) engines[engine] ??= detail;
        if (outcome.status === 'unavailable') {
          unavailable.set(engine, outcome.reason);
          log(`${engine}: unavailable (${outcome.reason})`);
          continue;
        }
        outcomes.set(engine, [...(outcomes.get(engine) ?? []), outcome]);
        const perRound = (rounds[model][engine] ??= Array<RoundThroughput | null>(settings.rounds).fill(null));
        perRound[round] = outcome.status === 'measured' ? { trainSamplesPerSec: outcome.result.trainSamplesPerSec, inferImagesPerSec: outcome.result.inferImagesPerSec } : null;
        const which = settings.rounds > 1 ? ` (round ${round + 1}/${settings.rounds})` : '';
        log(`${model} · ${engine}${which}: ${outcomeSummary(outcome)} [${((Date.now() - started) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}]`);
      }
    }
    // Engines in the order asked, whatever order the last round ran them in.
    models[model] = Object.fromEntries(settings.engines.filter((e) => outcomes.has(e)).map((e) => [e, medianRound(outcomes.get(e)!)]));
  }
  for (const [engine, reason] of unavailable) engines[engine] = `unavailable: ${reason}`;

  return {
    createdAt: new Date().toISOString(),
    settings,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMemMB: Math.round(totalmem() / 2 ** 20),
      node: process.version,
      tfjs: tf.version.tfjs,
      loadAverage: { start: loadAtStart, end: loadavg() },
    },
    engines,
    models,
    rounds,
  };
}
