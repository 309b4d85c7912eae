/** The run directory as its readers see it: what counts as a run, a finished run, and what reading one gives. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { defaultRunDir, isFinishedRun, loadRun, loadRuns, readRunConfig, RUNS_DIR } from '../lib/index';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { mnistSubset, rejects } from './helpers';

const parent = mkdtempSync(join(tmpdir(), 'pixelwise-rundir-'));
const finished = join(parent, 'b-finished');

test.before(async () => {
  await initBackend('wasm');
  const data = await mnistSubset(200, 50);
  const config = resolveConfig({ model: 'cnn-small', epochs: 2, batchSize: 50, modelOptions: { width: 4 }, valFraction: 0.1 });
  (await trainRun(config, { runDir: finished, data })).model.dispose();
});

test('a finished run reads back whole: its configuration, every epoch and the summary', () => {
  assert.ok(isFinishedRun(finished));
  const run = loadRun(finished);
  assert.is(run.name, 'b-finished');
  assert.is(run.dir, finished);
  assert.is(run.config.model, 'cnn-small');
  assert.equal(readRunConfig(finished), run.config);
  assert.equal(run.metrics.map((m) => m.epoch), [1, 2]);
  assert.is(run.summary.model, 'cnn-small');
  assert.ok(run.summary.testAccuracy >= 0 && run.summary.testAccuracy <= 1);
});

test('a run without summary.json is unfinished: loadRun refuses it, loadRuns skips it', async () => {
  const unfinished = join(parent, 'a-unfinished');
  cpSync(finished, unfinished, { recursive: true });
  rmSync(join(unfinished, 'summary.json'));
  assert.not.ok(isFinishedRun(unfinished));
  await rejects(async () => loadRun(unfinished), /a-unfinished: the run has not finished \(no summary\.json\)/);
  mkdirSync(join(parent, 'not-a-run'));
  writeFileSync(join(parent, 'notes.txt'), 'not a directory');
  assert.equal(loadRuns(parent).map((run) => run.name), ['b-finished']);
  assert.equal(loadRuns(join(parent, 'missing')), []);
});

test('a directory without config.json, or with a config.json npm run train did not write, is not a run', async () => {
  await rejects(async () => readRunConfig(join(parent, 'not-a-run')), /not-a-run: not a run directory \(no config\.json\)/);
  const foreign = join(parent, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'config.json'), '{"model": "cnn-small"}');
  await rejects(async () => readRunConfig(foreign), /foreign[/\\]config\.json: no "config" with a model/);
});

test('a default run directory is named by the UTC time and the model, under results/runs', () => {
  const dir = defaultRunDir('vit-tiny', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
  assert.is(dir, join(RUNS_DIR, '20260102-030405-vit-tiny'));
  assert.is(basename(dir), '20260102-030405-vit-tiny');
});

test.run();
