/**
 * Real sweeps on a tiny MNIST subset (300 train / 100 test images, a 4-filter cnn-small, 1-2 epoch budgets):
 * halving end to end, parallel == sequential, resume after an interruption and after kill -9, failed trials,
 * and the results API.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { DigitSet, MnistData } from '../lib/data/mnist';
import { sweepParallelFigure, sweepProgressFigure } from '../lib/plot/sweep';
import { trainRun } from '../lib/train/run';
import { choice, defineSpace, loadSweep, loguniform, resumeSweep, runSweep, TrialRecord, trialsFrame } from '../lib/tune';
import { sweepPlotTrials } from '../lib/plot/sweep';
import { acquireLock } from '../lib/tune/store';
import { sameSweep } from '../lib/tune/sweep';
import { mnistSubset, rejects } from './helpers';

const TRAIN = 300;
const TEST = 100;
const root = mkdtempSync(join(tmpdir(), 'pixelwise-tune-'));
const spaceJson = {
  model: 'cnn-small',
  fixed: { valFraction: 0.2, batchSize: 32, 'model.width': 4 },
  params: { lr: { type: 'loguniform', low: 0.001, high: 0.01 }, schedule: { type: 'choice', values: ['constant', 'cosine'] } },
};
const space = defineSpace(spaceJson as Parameters<typeof defineSpace>[0]);
// 4 trials, eta 2, budgets 1 → 2 epochs: 4 + 2 jobs. Seed 3 promotes one constant and one cosine trial.
// One thread per trial whatever the worker count: results depend on the engine's thread count, not on the workers.
const sweep = { space, sampler: 'halving' as const, trials: 4, seed: 3, maxEpochs: 2, eta: 2, threads: 1 };

let data: MnistData;
let sequential: TrialRecord[];

const withoutTiming = (records: TrialRecord[]) => records.map(({ timing, ...rest }) => rest);
const readJsonl = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrialRecord);

/** The subset as IDX files, for the command-line runs (--data DIR). */
function writeIdx(dir: string, name: string, set: DigitSet): void {
  const header = (magic: number, dims: number[]) => {
    const bytes = Buffer.alloc(4 * (1 + dims.length));
    [magic, ...dims].forEach((x, i) => bytes.writeUInt32BE(x, 4 * i));
    return bytes;
  };
  writeFileSync(join(dir, `${name}-images-idx3-ubyte`), Buffer.concat([header(0x803, [set.count, set.height, set.width]), set.images]));
  writeFileSync(join(dir, `${name}-labels-idx1-ubyte`), Buffer.concat([header(0x801, [set.count]), set.labels]));
}

function runCli(args: string[]): { done: Promise<number>; running: () => boolean; kill: () => void } {
  const project = join(__dirname, '..');
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(project, 'lib', 'cli', 'tune.ts'), ...args], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      if (code) process.stderr.write(stderr);
      resolve(code ?? (signal ? -1 : 0));
    }),
  );
  return { done, running: () => !exited, kill: () => child.kill('SIGKILL') };
}

test.before(async () => {
  data = await mnistSubset(TRAIN, TEST);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test('halving sweep: files, promotions, continued and restarted trials', async () => {
  const dir = join(root, 'sequential');
  const result = await runSweep({ ...sweep, sweepDir: dir, workers: 1, data });
  sequential = result.records;
  assert.equal(withoutTiming(readJsonl(join(dir, 'trials.jsonl'))), withoutTiming(sequential));
  assert.equal(sequential.map((r) => r.epochs).sort(), [1, 1, 1, 1, 2, 2]);
  const rung0 = sequential.filter((r) => r.rung === 0).sort((a, b) => b.score! - a.score! || a.trial - b.trial);
  const promoted = sequential.filter((r) => r.rung === 1).map((r) => r.trial);
  assert.equal(promoted, rung0.slice(0, 2).map((r) => r.trial).sort(), 'the two best after one epoch continue');
  for (const r of sequential.filter((r) => r.rung === 1)) assert.is(r.start, r.config.schedule === 'constant' ? 'continue' : 'restart');
  assert.equal(sequential.filter((r) => r.rung === 1).map((r) => r.start).sort(), ['continue', 'restart'], 'seed 3 should exercise both paths');

  for (const r of sequential) {
    assert.is(r.status, 'done');
    assert.ok(r.score! >= 0 && r.score! <= 1 && r.testAccuracy! >= 0 && r.testAccuracy! <= 1);
    assert.is(r.config.epochs, r.epochs);
    assert.is(r.score, r.valAcc);
  }
  const best = JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8'));
  const finals = sequential.filter((r) => r.epochs === 2).sort((a, b) => b.score! - a.score! || a.trial - b.trial);
  assert.is(best.trial, finals[0].trial);
  assert.is(best.runDir, finals[0].runDir);
  assert.ok(existsSync(join(dir, best.runDir, 'summary.json')), 'best.json points at a complete run');
  const csv = readFileSync(join(dir, 'trials.csv'), 'utf8').trim().split('\n');
  assert.is(csv.length, 1 + sequential.length);
  assert.ok(csv[0].startsWith('trial,bracket,rung,epochs,status,valAcc,testAccuracy'));

  // A promoted trial's run directory is a normal two-epoch run, whether continued or restarted.
  for (const r of sequential.filter((r) => r.rung === 1)) {
    const runDir = join(dir, r.runDir);
    assert.is(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).config.epochs, 2);
    assert.is(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
  }
  // Continuing from the one-epoch checkpoint is exactly the two-epoch run (constant learning rate).
  // On the engine the trial ran on: this process may have another one active from an earlier test file.
  const continued = sequential.find((r) => r.start === 'continue')!;
  const engine = JSON.parse(readFileSync(join(dir, continued.runDir, 'config.json'), 'utf8')).backend.name;
  const fresh = await trainRun({ ...continued.config, backend: engine }, { runDir: join(root, 'fresh'), data });
  fresh.model.dispose();
  assert.is(fresh.metrics[1].valAcc, continued.valAcc);
  assert.is(fresh.metrics[1].loss, continued.trainLoss);
  assert.is(fresh.summary.testAccuracy, continued.testAccuracy);
});

test('a sweep directory counts as the same sweep only for the same options and training code', () => {
  const dir = join(root, 'sequential');
  assert.ok(sameSweep(dir, sweep));
  assert.not.ok(sameSweep(dir, { ...sweep, seed: 4 }));
  assert.not.ok(sameSweep(dir, { ...sweep, maxEpochs: 3 }));
  assert.not.ok(sameSweep(join(root, 'nowhere'), sweep));
  const file = join(dir, 'sweep.json');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(original), code: 'another' }));
  assert.not.ok(sameSweep(dir, sweep), 'other training code');
  writeFileSync(file, original);
});

test('two workers give the same trials as one', async () => {
  const result = await runSweep({ ...sweep, sweepDir: join(root, 'parallel'), workers: 2, data });
  assert.equal(withoutTiming(result.records), withoutTiming(sequential));
});

test('an interrupted sweep resumes to the same trials; a complete one is left as is', async () => {
  const dir = join(root, 'interrupted');
  const stop = new Error('stop');
  let seen = 0;
  const interrupt = () => {
    if (++seen === 3) throw stop;
  };
  await runSweep({ ...sweep, sweepDir: dir, workers: 2, data, onResult: interrupt }).then(
    () => assert.unreachable('the sweep should have stopped'),
    (err) => assert.is(err, stop),
  );
  assert.is(readJsonl(join(dir, 'trials.jsonl')).length, 3);
  const resumed = await resumeSweep(dir, { workers: 2, data });
  assert.equal(withoutTiming(resumed.records), withoutTiming(sequential));

  // Killed after the last jobs finished but before they were recorded: they are redone from their complete
  // runs, not duplicated. (Records must stay consistent: a promotion without the rung before it is refused.)
  const records = readJsonl(join(dir, 'trials.jsonl'));
  writeFileSync(join(dir, 'trials.jsonl'), records.filter((r) => r.rung === 0).map((r) => JSON.stringify(r) + '\n').join(''));
  const again = await resumeSweep(dir, { workers: 1, data });
  assert.equal(withoutTiming(again.records), withoutTiming(sequential));
  const stray = join(root, 'stray');
  mkdirSync(stray);
  writeFileSync(join(stray, 'sweep.json'), readFileSync(join(dir, 'sweep.json')));
  writeFileSync(join(stray, 'trials.jsonl'), records.filter((r) => r.rung === 1).map((r) => JSON.stringify(r) + '\n').join(''));
  await rejects(() => resumeSweep(stray, { workers: 1, data }), /would not have run given the other records/);

  const unchanged = readFileSync(join(dir, 'trials.jsonl'), 'utf8');
  await resumeSweep(dir, { workers: 1, data });
  assert.is(readFileSync(join(dir, 'trials.jsonl'), 'utf8'), unchanged);
});

test('npm run tune: killed with SIGKILL mid-sweep, then --resume, gives the same trials', async () => {
  const dataDir = join(root, 'idx');
  mkdirSync(dataDir);
  writeIdx(dataDir, 'train', data.train);
  writeIdx(dataDir, 't10k', data.test);
  const spaceFile = join(root, 'space.json');
  writeFileSync(spaceFile, JSON.stringify(spaceJson));
  const dir = join(root, 'killed');
  const args = ['--space', spaceFile, '--sampler', 'halving', '--trials', '4', '--seed', '3', '--max-epochs', '2', '--eta', '2', '--data', dataDir, '--sweep-dir', dir, '--workers', '1', '--threads', '1'];

  const first = runCli(args);
  const trials = join(dir, 'trials.jsonl');
  while (first.running() && !(existsSync(trials) && readFileSync(trials, 'utf8').split('\n').length > 2)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(first.running(), 'the sweep ended before it could be killed');
  first.kill();
  assert.is(await first.done, -1);
  const before = readJsonl(trials).length;
  assert.ok(before >= 2 && before < sequential.length, `killed after ${before} of ${sequential.length} jobs`);

  assert.is(await runCli([...args, '--resume']).done, 0);
  const strip = (records: TrialRecord[]) => withoutTiming(records).map((r) => ({ ...r, config: { ...r.config, dataDir: undefined } }));
  assert.equal(strip(readJsonl(trials)), strip(sequential));
  assert.ok(readJsonl(trials).every((r) => r.config.dataDir === dataDir));
});

test('one process at a time: a live lock refuses a second sweep, a dead one is taken over', async () => {
  const dir = join(root, 'interrupted');
  const release = acquireLock(dir);
  await rejects(() => resumeSweep(dir, { workers: 1, data }), new RegExp(`already running in process ${process.pid}`));
  release();
  writeFileSync(join(dir, 'sweep.lock'), '999999999');
  assert.is((await resumeSweep(dir, { workers: 1, data })).records.length, sequential.length);
  assert.not.ok(existsSync(join(dir, 'sweep.lock')));
});

test('a space with model option values that cannot build is refused up front; a diverging trial fails, not the sweep; results load for notebooks', async () => {
  assert.throws(
    () => defineSpace({ model: 'cnn-small', params: { lr: loguniform(0.002, 0.004), 'model.width': choice([4, 'wide']) } }),
    /params\.model\.width: model option width must be a number, got "wide"/,
  );
  const diverging = defineSpace({ model: 'cnn-small', fixed: { valFraction: 0.2, batchSize: 32, 'model.width': 4 }, params: { lr: choice([0.003, 1e9]) } });
  const dir = join(root, 'grid');
  const result = await runSweep({ space: diverging, sampler: 'grid', trials: 2, seed: 1, maxEpochs: 1, sweepDir: dir, workers: 1, data });
  assert.equal(result.records.map((r) => [r.params.lr, r.status]), [[0.003, 'done'], [1e9, 'failed']]);
  assert.match(result.records[1].error!, /training diverged: the loss became NaN/);
  assert.is(result.best!.trial, 0);

  const loaded = loadSweep(dir);
  assert.equal(loaded.records, result.records);
  assert.is(loaded.best!.trial, 0);
  const frame = trialsFrame(loaded.records);
  assert.equal(frame.shape, [2, frame.columns.length]);
  for (const column of ['trial', 'epochs', 'status', 'valAcc', 'testAccuracy', 'lr', 'runDir']) assert.ok(frame.columns.includes(column), column);
  const plotted = sweepPlotTrials(loaded.records);
  assert.equal(plotted.map((t) => t.params.lr), [0.003, 1e9]);
  assert.ok(Number.isNaN(plotted[1].score));
  assert.is(sweepParallelFigure(plotted).data.length, 1);
  assert.is(sweepProgressFigure(plotted).data.length, 2);
});

test.run();
