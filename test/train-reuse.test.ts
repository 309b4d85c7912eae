import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { FRESH_ENV, seriesDir, trainSeriesModel } from '../lib/experiments/series';
import { resolveConfig } from '../lib/train/config';
import { loadRunResult, reuseMismatch } from '../lib/train/reuse';
import { trainRun } from '../lib/train/run';
import { mnistSubset } from './helpers';

const overrides = { model: 'cnn-small', epochs: 1, batchSize: 32, modelOptions: { width: 4 }, valFraction: 0.1 };

test.before(async () => {
  await initBackend('wasm');
});

test('a finished run stands in for a training of the same configuration, data and code, and says what differs otherwise', async () => {
  const data = await mnistSubset(200, 50);
  const config = resolveConfig(overrides);
  const run = await trainRun(config, { runDir: join(mkdtempSync(join(tmpdir(), 'pixelwise-reuse-')), 'run'), data });
  assert.is(reuseMismatch(run.runDir, config, data.source), undefined);
  assert.is(reuseMismatch(run.runDir, { ...config, epochs: 2 }, data.source), 'the configuration changed');
  assert.is(reuseMismatch(run.runDir, config, { ...data.source, sha256: { ...data.source.sha256, testLabels: '0' } }), 'the data changed');
  const file = join(run.runDir, 'config.json');
  const recorded = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...recorded, versions: { ...recorded.versions, code: 'another' } }));
  assert.is(reuseMismatch(run.runDir, config, data.source), 'the training code changed');
  assert.is(reuseMismatch(join(run.runDir, 'nowhere'), config, data.source), 'no finished run');
  const loaded = await loadRunResult(run.runDir, data);
  assert.equal(loaded.summary, run.summary);
  assert.is(loaded.test.accuracy, run.test.accuracy);
  loaded.model.dispose();
  run.model.dispose();
});

test('the notebook series reuses its finished run instead of retraining it, unless told to start fresh', async () => {
  const data = await mnistSubset(200, 50);
  const profile = `test-reuse-${process.pid}`;
  try {
    const first = await trainSeriesModel(profile, overrides, data);
    const createdAt = () => JSON.parse(readFileSync(join(first.runDir, 'config.json'), 'utf8')).createdAt;
    const stamp = createdAt();
    const again = await trainSeriesModel(profile, overrides, data);
    assert.is(createdAt(), stamp, 'reused, not retrained');
    assert.equal(again.summary, first.summary);
    const changed = await trainSeriesModel(profile, { ...overrides, lr: 0.002 }, data);
    assert.is.not(createdAt(), stamp, 'another configuration retrains');
    const changedStamp = createdAt();
    process.env[FRESH_ENV] = '1';
    const fresh = await trainSeriesModel(profile, { ...overrides, lr: 0.002 }, data);
    assert.is.not(createdAt(), changedStamp, '--fresh retrains');
    [first, again, changed, fresh].forEach((r) => r.model.dispose());
  } finally {
    delete process.env[FRESH_ENV];
    rmSync(seriesDir(profile, 'runs'), { recursive: true, force: true });
  }
  assert.not.ok(existsSync(seriesDir(profile, 'runs')));
});

test.run();
