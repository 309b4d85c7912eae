/**
 * Real interruptions: a second process training into a run directory in use, kill -9 in the middle of a
 * training, and a disk that fills up during a checkpoint. Each leaves a run that --resume finishes exactly
 * as an uninterrupted one: same metrics, no temporaries, no stuck lock.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../lib/util/paths';
import { runCommand, snapshot, tempDir, temporariesUnder, writeDataset } from './bad-input';

let data = '';
const args = (runDir: string, epochs = 3) => ['--model', 'cnn-small', '--model-option', 'width=4', '--epochs', String(epochs), '--backend', 'wasm', '--data', data, '--run-dir', runDir];
const metrics = (runDir: string) => readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => {
  const { seconds, ...rest } = JSON.parse(line);
  return rest;
});
const epochsDone = (runDir: string) => {
  try {
    return JSON.parse(readFileSync(join(runDir, 'checkpoint', 'state.json'), 'utf8')).epochsDone as number;
  } catch {
    return 0;
  }
};

async function until(condition: () => boolean, what: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 1200 && !condition(); i++) {
    if (child.exitCode !== null) throw new Error(`the training exited (${child.exitCode}) before ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

test.before(async () => {
  data = await writeDataset({ train: 1200, test: 100 });
});

test('a second training refuses at once naming the first; after kill -9 the resume takes over the lock and ends bit-identical', async () => {
  const whole = join(tempDir('whole'), 'run');
  assert.is((await runCommand('train.ts', args(whole))).code, 0);

  const run = join(tempDir('killed'), 'run');
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(PROJECT_ROOT, 'lib/cli/train.ts'), ...args(run)], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  try {
    await until(() => existsSync(join(run, 'run.lock')), 'the lock', child);
    const second = await runCommand('train.ts', args(run));
    assert.is(second.code, 1);
    assert.match(second.stderr, new RegExp(`^train: ${run}: a training is already running in process ${child.pid} \\(delete run\\.lock if it is not\\)\\n$`));
    await until(() => epochsDone(run) >= 1, 'the first checkpoint', child);
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  assert.ok(existsSync(join(run, 'run.lock')), 'the killed process left its lock');
  assert.ok(!existsSync(join(run, 'summary.json')));

  const resumed = await runCommand('train.ts', ['--resume', '--run-dir', run]);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.equal(metrics(run), metrics(whole));
  assert.equal(metrics(run).map((m) => m.epoch), [1, 2, 3], 'each epoch once');
  assert.is(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).testLoss, JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')).testLoss);
  assert.equal(temporariesUnder(run), []);
  assert.ok(!existsSync(join(run, 'run.lock')));
});

test('a disk that fills up during a checkpoint: one line naming the file, the last checkpoint kept, and the run resumes elsewhere', async () => {
  if (process.getuid?.() !== 0) {
    console.warn('skipped: mounting a small tmpfs needs root');
    return;
  }
  const mount = tempDir('full-disk');
  // One epoch's checkpoint of this model (about 630 KB) fits; the swap to the next needs a second copy.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1100k', 'tmpfs', mount]);
  try {
    const run = join(mount, 'run');
    const outcome = await runCommand('train.ts', args(run));
    assert.is(outcome.code, 1);
    const own = outcome.stderr.split('\n').filter((line) => line.startsWith('train: '));
    assert.is(own.length, 1, outcome.stderr);
    assert.match(own[0], new RegExp(`^train: ${run}/checkpoint\\.new/[\\w.]+: cannot write: no space left on the device \\(ENOSPC\\)$`));
    assert.is(epochsDone(run), 1);
    assert.equal(temporariesUnder(run), [], 'no temporaries, no checkpoint.new');
    assert.ok(!existsSync(join(run, 'run.lock')));
    const moved = join(tempDir('moved'), 'run');
    mkdirSync(moved);
    cpSync(run, moved, { recursive: true });
    const resumed = await runCommand('train.ts', ['--resume', '--run-dir', moved]);
    assert.is(resumed.code, 0, resumed.stderr);
    assert.ok(snapshot(moved).some((line) => line.includes('summary.json')));
  } finally {
    execFileSync('umount', [mount]);
  }
});

test.run();
