/**
 * The training options as every reader sees them: the defaults runs start from, the one-line refusal of each
 * option's bad values, and the usage and README that document each flag.
 */
import { readFileSync } from 'fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BASE_CONFIG, resolveConfig } from '../lib';
import type { TrainConfig } from '../lib';
import { flagOf, trainUsageLines } from '../lib/train/option-flags';
import { OPTION_NAMES, optionDef } from '../lib/train/options';
import { README_FILE } from '../lib/report/reference';
import { parseSpace } from '../lib/tune/space';

test('a run starts from the same base defaults as ever, before its recipe', () => {
  assert.equal(BASE_CONFIG, {
    epochs: 2,
    batchSize: 64,
    lr: 0.001,
    seed: 42,
    optimizer: 'adam',
    weightDecay: 0,
    schedule: 'constant',
    warmupEpochs: 0,
    labelSmoothing: 0,
    clipNorm: 0,
    augment: false,
    augmentShift: 2,
    augmentRotate: 10,
    augmentScale: 0,
    ema: 0,
    valFraction: 0.05,
  });
});

const refusals: [Partial<TrainConfig>, string][] = [
  [{ epochs: 0 }, 'epochs must be a positive integer, got 0'],
  [{ epochs: 1.5 }, 'epochs must be a positive integer, got 1.5'],
  [{ batchSize: -1 }, 'batchSize must be a positive integer, got -1'],
  [{ seed: 1.5 }, 'seed must be an integer, got 1.5'],
  [{ lr: 0 }, 'lr must be a positive number, got 0'],
  [{ lr: Infinity }, 'lr must be a positive number, got Infinity'],
  [{ schedule: 'x' as never }, 'schedule must be one of constant, step, cosine, onecycle, exponential, got x'],
  [{ optimizer: 'x' as never }, 'optimizer must be one of adam, adamw, sgd, got x'],
  [{ backend: 'x' as never }, 'backend must be one of onednn, node, wasm-threaded, wasm, cpu, got x'],
  [{ threads: 0 }, 'threads must be a positive integer, got 0'],
  [{ weightDecay: 1 }, 'weightDecay must be in [0, 1), got 1'],
  [{ labelSmoothing: -0.1 }, 'labelSmoothing must be in [0, 1), got -0.1'],
  [{ valFraction: 0.5 }, 'valFraction must be in [0, 0.5), got 0.5'],
  [{ warmupEpochs: 4 }, 'warmupEpochs must be in [0, 4), got 4'],
  [{ clipNorm: -1 }, 'clipNorm must be ≥ 0, got -1'],
  [{ clipNorm: NaN }, 'clipNorm must be ≥ 0, got NaN'],
  [{ augmentShift: -1 }, 'augmentShift and augmentRotate must be ≥ 0'],
  [{ augmentRotate: -1 }, 'augmentShift and augmentRotate must be ≥ 0'],
  [{ augmentScale: 1 }, 'augmentScale must be in [0, 1), got 1'],
  [{ ema: 1 }, 'ema must be in [0, 1), got 1'],
  [{ splitSeed: 0.5 }, 'splitSeed must be an integer, got 0.5'],
  [{ trainLimit: 0 }, 'trainLimit must be a positive integer, got 0'],
  [{ testLimit: 1.5 }, 'testLimit must be a positive integer, got 1.5'],
  [{ modelOptions: { nope: 1 } }, 'model cnn-small has no option "nope" (its options: width, dropout)'],
];

test('each option refuses its bad values with one message naming it', () => {
  for (const [override, message] of refusals) {
    assert.throws(() => resolveConfig({ model: 'cnn-small', ...override }), (err: Error) => err.name === 'ConfigError' && err.message === message, message);
  }
});

test('options without a range take any value of their kind, and the optional ones may be left out', () => {
  const config = resolveConfig({ model: 'cnn-small', seed: -3, splitSeed: -2, threads: 2, backend: 'wasm', trainLimit: 10, dataDir: '/x' });
  assert.is(config.seed, -3);
  assert.is(config.splitSeed, -2);
  assert.is(resolveConfig({ model: 'cnn-small' }).splitSeed, undefined);
});

test('a search space may search the options the table lets it, only fix the fixed ones and set none of the sweep\'s own', () => {
  const lr = { type: 'uniform', low: 0.001, high: 0.01 };
  for (const name of OPTION_NAMES) {
    const { sweep, kind, range, default: value = kind === 'path' ? '/x' : Array.isArray(range) ? range[0] : 1 } = optionDef(name);
    // The distillation settings need a teacher beside them.
    const base = name.startsWith('distill') ? { teacher: '/x' } : {};
    const searched = () => parseSpace({ model: 'cnn-small', fixed: base, params: { [name]: { type: 'choice', values: [value] } } });
    const fixed = () => parseSpace({ model: 'cnn-small', fixed: { ...base, [name]: value }, params: name === 'lr' ? { batchSize: { type: 'choice', values: [64] } } : { lr } });
    if (sweep === 'search') {
      searched();
      fixed();
    } else if (sweep === 'fixed') {
      assert.throws(searched, new RegExp(`params\\.${name}: cannot be searched`));
      fixed();
    } else if (sweep) {
      assert.throws(fixed, (err: Error) => err.message === `fixed.${name}: cannot be set in a space — ${sweep.setBy}`);
    } else {
      assert.throws(fixed, new RegExp(`fixed\\.${name}: unknown option`));
    }
  }
});

test("every option has a line in train's usage: its flag, its value's placeholder and what it does", () => {
  const lines = trainUsageLines().split('\n');
  for (const name of OPTION_NAMES) {
    const { arg } = optionDef(name);
    const line = lines.find((l) => l.startsWith(`  --${flagOf(name)}${arg ? ` ${arg}` : ''} `));
    assert.ok(line, `no usage line for ${name}`);
    assert.ok(line!.slice(24).trim().length > 5, `${name}: the usage line says nothing`);
  }
});

/** The README's block of training options, between its heading and the next paragraph. */
function readmeTrainingOptions(): string[] {
  const readme = readFileSync(README_FILE, 'utf8');
  const start = readme.indexOf('### Training options');
  assert.ok(start >= 0, 'README has no "### Training options" section');
  const block = readme.slice(start).split('```')[1];
  return block.split('\n').filter((line) => line.startsWith('--'));
}

test("the README's training options document every flag, and a choice's line lists its choices", () => {
  const lines = readmeTrainingOptions();
  for (const name of OPTION_NAMES) {
    const { choices } = optionDef(name);
    const line = lines.find((l) => l.startsWith(`--${flagOf(name)} `));
    assert.ok(line, `README, Training options: no line for --${flagOf(name)}`);
    if (choices) assert.ok(line!.includes(choices.join(' | ')), `README, Training options: --${flagOf(name)} does not list ${choices.join(' | ')}`);
  }
});

test.run();
