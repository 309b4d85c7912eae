/** npm run plots -- --run DIR on a tiny real run: every figure re-rendered from the run directory alone. */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { loadMnist } from '../lib/data/mnist';
import { plotRun } from '../lib/report/plot-run';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';

const root = mkdtempSync(join(tmpdir(), 'pixelwise-plots-'));
const runDir = join(root, 'tiny-lenet5');
// lenet5 is a CNN: saliency and Grad-CAM, no attention rollout; two epochs give a confusion trend.
const FIGURES = ['calibration', 'confusion-matrix', 'confusion-matrix-normalised', 'confusion-trend', 'embedding', 'gradcam', 'misclassified', 'per-class', 'saliency', 'training-curves'];

test.before(async () => {
  await initBackend();
  const config = resolveConfig({ model: 'lenet5', epochs: 2, trainLimit: 256, testLimit: 100, schedule: 'constant' });
  const result = await trainRun(config, { runDir, data: await loadMnist() });
  result.model.dispose();
});

test('plotRun writes PNG, SVG and HTML of every figure into DIR/plots', async () => {
  const files = await plotRun(runDir);
  const expected = FIGURES.flatMap((name) => ['png', 'svg', 'html'].map((ext) => `${name}.${ext}`));
  assert.equal(readdirSync(join(runDir, 'plots')).sort(), expected.sort());
  assert.is(files.length, expected.length);
  assert.is(readFileSync(join(runDir, 'plots', 'misclassified.png')).subarray(1, 4).toString(), 'PNG');
  assert.match(readFileSync(join(runDir, 'plots', 'training-curves.svg'), 'utf8'), /^<svg/);
  // An untrained-ish lenet5 on 100 test digits makes mistakes, and the figure shows them.
  assert.match(readFileSync(join(runDir, 'plots', 'misclassified.html'), 'utf8'), /tiny-lenet5: \d+ most confident mistakes/);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  assert.ok(summary.ece >= 0 && summary.ece <= 1, `ece ${summary.ece}`);
  assert.is(summary.calibration.bins.length, 15);
  assert.ok(summary.calibration.temperature > 0);
});

test('the CLI: --formats html needs no browser; a missing --run is a usage error (exit 2)', () => {
  rmSync(join(runDir, 'plots'), { recursive: true, force: true });
  const cli = (...args: string[]) => spawnSync(process.execPath, ['-r', 'ts-node/register', 'lib/cli/plots.ts', ...args], { cwd: join(__dirname, '..'), encoding: 'utf8' });
  const ok = cli('--run', runDir, '--formats', 'html');
  assert.is(ok.status, 0, ok.stderr);
  assert.equal(readdirSync(join(runDir, 'plots')).sort(), FIGURES.map((f) => `${f}.html`).sort());
  const usage = cli();
  assert.is(usage.status, 2);
  assert.match(usage.stderr, /^plots: --run DIR is required/);
  const notRun = cli('--run', root);
  assert.is(notRun.status, 1);
  assert.match(notRun.stderr, /not a run directory/);
  assert.ok(existsSync(join(runDir, 'summary.json')));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
