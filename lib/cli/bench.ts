/** npm run bench — training/inference throughput per model and engine, or time to a test accuracy. */
import { join } from 'path';
import { protocolFor, PYTHON_CANDIDATES } from '../../bench/engines';
import { jsonSummary, renderReport } from '../../bench/report';
import { runBenchmark } from '../../bench/run';
import { renderTimeToAccuracy, timeToAccuracy } from '../../bench/time-to-accuracy';
import { ENGINES, Engine } from '../../bench/types';
import { BACKEND_ORDER } from '../backend/select';
import { modelNames } from '../models/registry';
import { TIME_TO_ACCURACY_RECIPE as SPEED } from '../train/recipes';
import { writeJsonAtomic } from '../util/atomic';
import { RESULTS_DIR, timestampName } from '../util/paths';
import { choiceOption, intOption, numberOption, parseCli, runCli, UsageError } from './cli';

const DEFAULTS = { batchSize: 128, steps: 10, seed: 42, maxStepSeconds: 30, rounds: 1 };

const USAGE = `
Usage: npm run bench -- [options]

Trains and runs every registered model on every engine (${ENGINES.join(', ')}), each model and engine in
its own process, and reports training samples/s, inference images/s, peak RSS, the WASM/PyTorch ratio and
the per-kernel time of one training step. Writes results/bench/<timestamp>.json. The torch engine runs
bench/torch_reference.py with the first of ${PYTHON_CANDIDATES.join(', ')} that imports torch; without one the
benchmark says so and runs the rest.

  --model NAME             only this model (${modelNames().join(', ')})
  --backend B[,B...]       only these engines, in this order: ${ENGINES.join(' | ')}
                           (wasm-threaded uses every core, up to 8 threads)
  --batch-size N           samples per training step and images per inference batch (default ${DEFAULTS.batchSize})
  --steps N                timed training steps and inference batches, median reported (default ${DEFAULTS.steps};
                           ${protocolFor('wasm', DEFAULTS.steps).warmup} warm-up first; the pure-JS cpu backend does ${protocolFor('cpu', DEFAULTS.steps).steps} after ${protocolFor('cpu', DEFAULTS.steps).warmup})
  --rounds N               run each model's engines N times, the order reversed every other round, and report
                           each ratio to PyTorch as the median of the rounds' (default ${DEFAULTS.rounds}): on a shared
                           machine the load drifts, and two engines in one round see the same load
  --seed N                 weights, dropout and the synthetic batch (default ${DEFAULTS.seed})
  --max-step-seconds S     skip a model on an engine whose training step is estimated (from a 4-image
                           step) to take longer (default ${DEFAULTS.maxStepSeconds}; the cpu backend needs minutes for the big CNNs)
  --json                   end the output with one line {"models": {name: {engine: {trainSamplesPerSec,
                           inferImagesPerSec, peakRssMB}}}}

  --time-to-accuracy X     instead: train ${SPEED.model} for speed (${SPEED.epochs} epochs, batch ${SPEED.batchSize}, ${SPEED.schedule} at lr ${SPEED.lr}) on
                           full MNIST with the best engine (--model: that model's own recipe; --backend: that engine),
                           test accuracy after every epoch, report the wall time until it is ≥ X
                           (writes results/bench/<timestamp>-time-to-accuracy.json)
`;


runCli('bench', USAGE, async () => {
  const { values } = parseCli(process.argv.slice(2), {
    model: { type: 'string' },
    backend: { type: 'string' },
    'batch-size': { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    rounds: { type: 'string' },
    'max-step-seconds': { type: 'string' },
    json: { type: 'boolean' },
    'time-to-accuracy': { type: 'string' },
  });
  const model = choiceOption('model', values.model, modelNames());
  const backends = values.backend?.split(',').map((b) => choiceOption('backend', b.trim(), ENGINES)!);
  const log = (line: string) => process.stderr.write(line + '\n');

  const target = numberOption('time-to-accuracy', values['time-to-accuracy'], { positive: true });
  if (target !== undefined) {
    if (target > 1) throw new UsageError(`--time-to-accuracy is a fraction of the test set (e.g. 0.99), got ${target}`);
    const backend = backends?.[0];
    if (backend === 'torch' || (backends?.length ?? 0) > 1) {
      throw new UsageError(`--time-to-accuracy trains with one tfjs engine: --backend must be one of ${BACKEND_ORDER.join(', ')}`);
    }
    const result = await timeToAccuracy(target, { model, backend });
    const file = join(RESULTS_DIR, 'bench', `${timestampName()}-time-to-accuracy.json`);
    writeJsonAtomic(file, result);
    process.stdout.write(renderTimeToAccuracy(result) + `written to ${file}\n`);
    if (values.json) process.stdout.write(JSON.stringify({ timeToAccuracy: result }) + '\n');
    return;
  }

  const engines: Engine[] = backends ? [...new Set(backends)] : [...ENGINES];
  const report = runBenchmark(
    {
      batchSize: intOption('batch-size', values['batch-size']) ?? DEFAULTS.batchSize,
      steps: intOption('steps', values.steps) ?? DEFAULTS.steps,
      seed: intOption('seed', values.seed, { min: 0 }) ?? DEFAULTS.seed,
      maxStepSeconds: numberOption('max-step-seconds', values['max-step-seconds'], { positive: true }) ?? DEFAULTS.maxStepSeconds,
      models: model ? [model] : modelNames(),
      engines,
      rounds: intOption('rounds', values.rounds, { min: 1 }) ?? DEFAULTS.rounds,
    },
    log,
  );
  const file = join(RESULTS_DIR, 'bench', `${timestampName()}.json`);
  writeJsonAtomic(file, report);
  process.stdout.write(renderReport(report) + `\nwritten to ${file}\n`);
  if (values.json) process.stdout.write(JSON.stringify(jsonSummary(report)) + '\n');
});
