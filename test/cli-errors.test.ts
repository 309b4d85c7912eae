import { spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorLine, exitCodeOf, PixelwiseError } from '../lib/cli/cli';
import { ModelError } from '../lib/models/spec';
import { ConfigError } from '../lib/train/config';
import { SpaceError } from '../lib/tune/space';

const root = join(__dirname, '..');

function cli(script: string, args: string[]) {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', join(root, 'lib/cli', script), ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

function expectError(script: string, args: string[], status: number, pattern: RegExp) {
  const { status: actual, stderr } = cli(script, args);
  assert.is(actual, status, stderr);
  assert.match(stderr.split('\n')[0], pattern);
  assert.not.match(stderr, /\n\s+at /, 'no stack trace');
}

test('train: invalid arguments exit 2 with a one-line message and a usage hint', () => {
  expectError('train.ts', ['--model', 'nope'], 2, /^train: unknown model "nope" \(available: lenet5, cnn-small/);
  expectError('train.ts', ['--model', 'cnn-small', '--epochs', '0'], 2, /^train: --epochs must be an integer ≥ 1, got "0"/);
  expectError('train.ts', ['--model', 'cnn-small', '--lr=-0.1'], 2, /^train: --lr must be a positive number/);
  expectError('train.ts', ['--model', 'cnn-small', '--frobnicate'], 2, /^train: Unknown option '--frobnicate'/);
  expectError('train.ts', [], 2, /^train: --model is required/);
  expectError('train.ts', ['--model', 'cnn-small', '--model-option', 'widht=16'], 2, /^train: model cnn-small has no option "widht" \(its options: width, dropout\)/);
  expectError('train.ts', ['--model', 'cnn-small', '--model-option', '16'], 2, /^train: --model-option wants key=value/);
  expectError('train.ts', ['--model', 'vit-tiny', '--model-option', 'patchSize=5'], 2, /^train: ViT: patchSize 5 does not divide/);
  expectError('train.ts', ['--model', 'cnn-deep', '--model-option', 'dropout=0.6'], 2, /^train: model option dropout must be in \[0, 0\.5\), got 0\.6/);
  expectError('train.ts', ['--model', 'cnn-simple', '--model-option', 'width=15'], 2, /^train: model option width must be a positive even integer, got 15/);
  const { stderr } = cli('train.ts', ['--model', 'nope']);
  assert.match(stderr, /\(run "npm run train -- --help" for usage\)$/);
});

test('train: a missing data directory or run to resume exits 1 naming it', () => {
  expectError('train.ts', ['--model', 'cnn-small', '--data', '/nonexistent/mnist'], 1, /^train: \/nonexistent\/mnist: data directory does not exist/);
  const missing = join(mkdtempSync(join(tmpdir(), 'pixelwise-cli-')), 'none');
  expectError('train.ts', ['--resume', '--run-dir', missing], 1, /not a run directory \(no config.json\)/);
});

test('evaluate: a missing run directory exits 1 naming it', () => {
  expectError('evaluate.ts', ['--run', '/nonexistent/run'], 1, /^evaluate: \/nonexistent\/run: no finished run here/);
  expectError('evaluate.ts', [], 2, /^evaluate: --run DIR is required/);
});

test("the library's errors print whole with their exit code; other errors print their first line and exit 1", () => {
  const backend = new PixelwiseError('no tfjs backend could be initialised:\n  onednn: no addon\n  wasm: no heap');
  assert.is(errorLine('train', backend), 'train: no tfjs backend could be initialised:\n  onednn: no addon\n  wasm: no heap');
  assert.is(exitCodeOf(backend), 1);
  const config = new ConfigError('--lr must be a positive number');
  assert.is(errorLine('tune', config), 'tune: --lr must be a positive number (run "npm run tune -- --help" for usage)');
  assert.is(exitCodeOf(config), 2);
  assert.is(exitCodeOf(new SpaceError('bad space')), 2);
  assert.is(exitCodeOf(new ModelError('unknown model "x"')), 2);
  assert.is(errorLine('train', new Error('first\nsecond')), 'train: first');
  assert.is(exitCodeOf(new Error('first')), 1);
});

test('--help prints the usage and exits 0', () => {
  const { status, stdout } = cli('train.ts', ['--help']);
  assert.is(status, 0);
  assert.match(stdout, /Usage: npm run train -- --model NAME/);
});

test.run();
