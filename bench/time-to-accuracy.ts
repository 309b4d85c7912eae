/**
 * Time to accuracy: a real training run (trainRun, full MNIST; the recipe built for it, or a model's own) with the test accuracy of
 * the current model after every epoch, stopped at the first epoch that reaches the target.
 */
import { mkdtempSync, rmSync } from 'fs';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { describeBackend, type BackendName } from '../lib/backend/select';
import { firstIndices } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { evaluateModel } from '../lib/eval/evaluate';
import { resolveConfig } from '../lib/train/config';
import { TIME_TO_ACCURACY_RECIPE } from '../lib/train/recipes';
import { trainRun } from '../lib/train/run';
import type { TrainConfig } from '../lib/train/types';
import { peakRssMB } from './measure';

export interface EpochCheck {
  epoch: number;
  testAccuracy: number;
  /** Cumulative time in the training-step loops (trainRun's per-epoch seconds). */
  trainSeconds: number;
  /** Cumulative wall time since trainRun started, without our own test evaluations. */
  wallSeconds: number;
}

export interface TimeToAccuracy {
  target: number;
  model: string;
  /** The engine asked for (undefined: the best available). */
  backend?: BackendName;
  /** The engine that trained, as initBackend describes it. */
  engine: string;
  reached: boolean;
  /** The epoch that reached the target, if one did. */
  hit?: EpochCheck;
  epochs: EpochCheck[];
  /** Peak RSS of this process: MNIST in memory plus the whole training run. */
  peakRssMB: number;
  config: TrainConfig;
  loadAverage: { start: number[]; end: number[] };
}

export async function timeToAccuracy(target: number, options: { model?: string; backend?: BackendName } = {}): Promise<TimeToAccuracy> {
  const loadAtStart = loadavg();
  const config = resolveConfig({ ...(options.model ? { model: options.model } : TIME_TO_ACCURACY_RECIPE), backend: options.backend });
  const data = await loadMnist(config.dataDir); // loading is not training: done before the clock starts
  const testIndices = firstIndices(data.test.count);

  const runDir = mkdtempSync(join(tmpdir(), 'pixelwise-tta-'));
  const epochs: EpochCheck[] = [];
  let evalMs = 0;
  let trainSeconds = 0;
  const start = performance.now();
  try {
    const run = await trainRun(config, {
      runDir,
      data,
      verbose: true,
      onEpoch: (metrics, live) => {
        const wallSeconds = (performance.now() - start - evalMs) / 1000;
        const evalStart = performance.now();
        const testAccuracy = evaluateModel(live, data.test, testIndices).accuracy;
        evalMs += performance.now() - evalStart;
        trainSeconds += metrics.seconds;
        epochs.push({ epoch: metrics.epoch, testAccuracy, trainSeconds, wallSeconds });
        process.stderr.write(`epoch ${metrics.epoch}: test accuracy ${(testAccuracy * 100).toFixed(2)}% after ${wallSeconds.toFixed(1)} s\n`);
        // The remaining epochs would be wasted: the run ends here.
        return testAccuracy >= target ? 'stop' : undefined;
      },
    });
    run.model.dispose();
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
  const hit = epochs.find((e) => e.testAccuracy >= target);
  return {
    target,
    model: config.model,
    backend: config.backend,
    engine: describeBackend(),
    reached: hit !== undefined,
    hit,
    epochs,
    peakRssMB: peakRssMB(),
    config,
    loadAverage: { start: loadAtStart, end: loadavg() },
  };
}

export function renderTimeToAccuracy(r: TimeToAccuracy): string {
  const lines = [
    `Time to ${(r.target * 100).toFixed(2)}% test accuracy: ${r.model} on ${r.engine}, recipe: ${r.config.epochs} epochs, batch ${r.config.batchSize}, ` +
      `${r.config.optimizer} lr ${r.config.lr} ${r.config.schedule}, seed ${r.config.seed}`,
    ...r.epochs.map(
      (e) => `  epoch ${e.epoch}: test accuracy ${(e.testAccuracy * 100).toFixed(2)}%, training ${e.trainSeconds.toFixed(1)} s, wall ${e.wallSeconds.toFixed(1)} s`,
    ),
    r.hit
      ? `reached at epoch ${r.hit.epoch}: ${r.hit.wallSeconds.toFixed(1)} s wall (${r.hit.trainSeconds.toFixed(1)} s in training steps)`
      : `not reached in the recipe's ${r.config.epochs} epochs`,
    `peak RSS ${r.peakRssMB.toFixed(0)} MB; load average ${r.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${r.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at end`,
  ];
  return lines.join('\n') + '\n';
}
