/** npm run tune — a hyperparameter sweep over a search space, one run directory per trial. */
import { resolve } from 'path';
import { BACKEND_ORDER } from '../backend/select';
import { defaultWorkers } from '../tune/pool';
import { resumableSweep, sweepOptions, type SweepFlags } from '../tune/request';
import { loadSpace } from '../tune/space';
import { resumeSweep, runSweep, SweepResult } from '../tune/sweep';
import { SAMPLERS, type ParamValues, type SweepDefinition, type TrialRecord } from '../tune/types';
import { choiceOption, intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run tune -- --space FILE [options]
       npm run tune -- --resume --sweep-dir DIR [--workers N]

  --space FILE          search space (JSON), e.g. spaces/cnn-small.json
  --sampler S           ${SAMPLERS.join(' | ')} (default random)
  --trials N            trials to sample (grid: the first N combinations, default all)
  --max-epochs N        epochs of a full trial (default: the model's recipe)
  --min-epochs N        first-rung budget of halving and hyperband (default 1)
  --eta N               halving rate: each rung keeps the best 1/eta (default 3)
  --seed N              seeds the sampler and every trial's training (default 42)
  --train-limit N       use only N training images per trial
  --data DIR            directory with the four MNIST-format IDX files
  --backend B           ${BACKEND_ORDER.join(' | ')} (default: the first that loads, in this order)
  --threads N           threads of each trial's engine (default: the cores divided among the workers)
  --sweep-dir DIR       where the sweep goes (default results/sweeps/<timestamp>-<model>-<sampler>)
  --workers N           parallel trials, one worker thread each (default: ${defaultWorkers()}, the number of cores)
  --resume              continue the sweep in --sweep-dir; finished trials are kept, unfinished ones resume

Trials are ranked by validation accuracy; test accuracy is reported alongside. The sweep directory holds
sweep.json, trials.jsonl, trials.csv, best.json and runs/trial-NNNN/ (a normal run directory per trial).
`;

const describe = (params: ParamValues) => Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
const percent = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

function logResult(record: TrialRecord, { finished, total }: { finished: number; total: number }): void {
  const head = `[${String(finished).padStart(String(total).length)}/${total}] trial ${record.trial} @${record.epochs} ep`;
  const body =
    record.status === 'failed'
      ? `failed: ${record.error}`
      : `val ${percent(record.valAcc)}  test ${percent(record.testAccuracy)}  ${describe(record.params)}  (${record.timing.seconds.toFixed(1)}s)`;
  process.stderr.write(`${head}  ${body}\n`);
}

function describePlan(d: SweepDefinition, workers: number): string {
  const brackets = d.plan.brackets.map((b) => b.rungs.map((r) => `${r.size}×${r.epochs}ep`).join(' → '));
  return `${d.space.model}, ${d.sampler} sampler, ${d.plan.trials.length} trials (${brackets.join('; ')}), ${workers} worker${workers > 1 ? 's' : ''}`;
}

function report(result: SweepResult, seconds: number): void {
  const { best, dir, records } = result;
  if (best) {
    process.stderr.write(
      `best: trial ${best.trial} — val ${percent(best.valAcc)}, test ${percent(best.testAccuracy)} at ${best.epochs} epochs: ${describe(best.params)} → ${resolve(dir, best.runDir)}\n`,
    );
  } else {
    process.stderr.write('no trial finished at the full budget\n');
  }
  process.stderr.write(`${records.length} jobs recorded, ${seconds.toFixed(0)}s — ${dir} (trials.jsonl, trials.csv, best.json)\n`);
}

runCli('tune', USAGE, async (argv) => {
  const { values } = parseCli(argv, {
    space: { type: 'string' },
    sampler: { type: 'string' },
    trials: { type: 'string' },
    'max-epochs': { type: 'string' },
    'min-epochs': { type: 'string' },
    eta: { type: 'string' },
    seed: { type: 'string' },
    'train-limit': { type: 'string' },
    data: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    'sweep-dir': { type: 'string' },
    workers: { type: 'string' },
    resume: { type: 'boolean' },
  });
  const workers = intOption('workers', values.workers) ?? defaultWorkers();
  const flags: SweepFlags = {
    sampler: choiceOption('sampler', values.sampler, SAMPLERS),
    trials: intOption('trials', values.trials),
    'max-epochs': intOption('max-epochs', values['max-epochs']),
    'min-epochs': intOption('min-epochs', values['min-epochs']),
    eta: intOption('eta', values.eta, { min: 2 }),
    seed: intOption('seed', values.seed, { min: 0 }),
    'train-limit': intOption('train-limit', values['train-limit']),
    data: values.data ? resolve(values.data) : undefined,
    backend: choiceOption('backend', values.backend, BACKEND_ORDER),
    threads: intOption('threads', values.threads),
  };
  const started = Date.now();
  const onStart = (verb: string) => (definition: SweepDefinition, dir: string) => {
    process.stderr.write(`tune: ${verb} ${describePlan(definition, workers)} → ${dir}\n`);
  };

  if (values.resume) {
    if (!values['sweep-dir']) throw new UsageError('--resume needs --sweep-dir DIR (the sweep to continue)');
    const dir = resolve(values['sweep-dir']);
    resumableSweep(dir, flags, values.space);
    report(await resumeSweep(dir, { workers, onStart: onStart('resuming'), onResult: logResult }), (Date.now() - started) / 1000);
    return;
  }

  if (!values.space) throw new UsageError('--space FILE is required (e.g. spaces/cnn-small.json)');
  const options = sweepOptions(loadSpace(values.space), flags);
  const result = await runSweep({ ...options, sweepDir: values['sweep-dir'], workers, onStart: onStart('sweeping'), onResult: logResult });
  report(result, (Date.now() - started) / 1000);
});
