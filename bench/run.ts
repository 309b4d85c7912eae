/** The throughput benchmark: every selected model on every selected engine, each in its own child process. */
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg, totalmem } from 'os';
import { findTorchPython, runTfjs, runTorch } from './engines';
import { outcomeSummary } from './report';
import type { BenchmarkReport, BenchmarkSettings, Engine } from './types';

export function runBenchmark(settings: BenchmarkSettings, log: (line: string) => void = () => {}): BenchmarkReport {
  const loadAtStart = loadavg();
  const engines: BenchmarkReport['engines'] = {};
  // An engine that cannot load is tried once, then left out for the remaining models.
  const unavailable = new Map<Engine, string>();
  const torch = settings.engines.includes('torch') ? findTorchPython() : {};
  if (settings.engines.includes('torch') && !torch.python) unavailable.set('torch', `PyTorch is not installed here: ${torch.reason}`);

  const models: BenchmarkReport['models'] = {};
  for (const model of settings.models) {
    models[model] = {};
    for (const engine of settings.engines) {
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
      models[model][engine] = outcome;
      log(`${model} · ${engine}: ${outcomeSummary(outcome)} [${((Date.now() - started) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}]`);
    }
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
  };
}
