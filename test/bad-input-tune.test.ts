/**
 * npm run tune, given hostile options, search spaces and sweep directories: a missing or unreadable space is a
 * problem with a file (exit 1), a space that cannot be searched (a misspelt key, a model option range with
 * invalid values) a bad argument (exit 2) refused before anything trains, and each names the file, key or option.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { test } from 'uvu';
import { makePlan } from '../lib/tune/plan';
import { loadSpace } from '../lib/tune/space';
import { BadCase, badInputMatrix, tempDir } from './bad-input';

let dir = '';
const spaceFile = (name: string) => join(dir, name);

const SPACE = { model: 'cnn-small', fixed: { trainLimit: 200, valFraction: 0.1 }, params: { lr: { type: 'loguniform', low: 0.001, high: 0.01 } } };

/** A space file with `params` replaced, refused with exit 2 naming the key. */
function space(name: string, params: Record<string, unknown>, says: RegExp, top: Record<string, unknown> = {}): BadCase {
  const file = `${name.replace(/\W+/g, '-')}.json`;
  return {
    name,
    setup: () => writeFileSync(spaceFile(file), JSON.stringify({ ...SPACE, ...top, params })),
    args: () => ['--space', spaceFile(file), '--trials', '2', '--sweep-dir', join(dir, 'never')],
    code: 2,
    says,
    untouched: () => [join(dir, 'never')],
  };
}

const option = (name: string, args: string[], says: RegExp): BadCase => ({ name, args: () => ['--space', spaceFile('good.json'), ...args], code: 2, says });

/** A sweep directory holding a real plan, for the --resume cases. */
function sweepDir(label: string, extra: Record<string, string> = {}): string {
  const sweep = join(dir, label);
  mkdirSync(sweep, { recursive: true });
  const space = loadSpace(spaceFile('good.json'));
  const plan = makePlan(space, { sampler: 'random', trials: 2, seed: 42, maxEpochs: 1 });
  writeFileSync(join(sweep, 'sweep.json'), JSON.stringify({ version: 1, sampler: 'random', seed: 42, maxEpochs: 1, minEpochs: 1, eta: 3, space, plan, configs: [] }));
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(sweep, file), text);
  return sweep;
}

function resume(name: string, prepare: () => string, extra: string[], code: 1 | 2, says: RegExp): BadCase {
  let sweep = '';
  return { name, setup: () => void (sweep = prepare()), args: () => ['--resume', '--sweep-dir', sweep, ...extra], code, says, untouched: () => [sweep] };
}

const cases: BadCase[] = [
  { name: 'a missing --space file exits 1 naming it', args: () => ['--space', spaceFile('nope.json'), '--trials', '2'], code: 1, says: /nope\.json: cannot read: no such file or directory \(ENOENT\)/ },
  { name: 'a directory given as --space is named (EISDIR)', args: () => ['--space', dir, '--trials', '2'], code: 1, says: /cannot read: is a directory, not a file \(EISDIR\)/ },
  { name: 'a corrupt --space file is named', setup: () => writeFileSync(spaceFile('corrupt.json'), '{"model": "cnn-small", "par'), args: () => ['--space', spaceFile('corrupt.json'), '--trials', '2'], code: 1, says: /corrupt\.json: corrupt or truncated JSON/ },
  { name: 'an empty --space file is named', setup: () => writeFileSync(spaceFile('empty.json'), ''), args: () => ['--space', spaceFile('empty.json'), '--trials', '2'], code: 1, says: /empty\.json: empty JSON/ },
  space('a model option range with invalid values is refused up front', { 'model.width': { type: 'int', low: -16, high: 16 } }, /params\.model\.width: model option width must be a positive integer, got -16/),
  space('a dropout range reaching 1 is refused up front', { 'model.dropout': { type: 'uniform', low: 0, high: 1.5 } }, /params\.model\.dropout: model option dropout must be in \[0, 1\), got 1\.5/),
  space('a misspelt option is refused', { lrr: { type: 'choice', values: [0.1] } }, /params\.lrr: unknown option "lrr"/),
  space('a misspelt model option is refused', { 'model.widht': { type: 'choice', values: [8] } }, /model cnn-small has no option "widht"/),
  space('an empty choice is refused', { batchSize: { type: 'choice', values: [] } }, /params\.batchSize: choice needs a non-empty "values" array/),
  space('low ≥ high is refused', { lr: { type: 'uniform', low: 0.1, high: 0.01 } }, /params\.lr: low must be below high/),
  space('a log range through zero is refused', { weightDecay: { type: 'loguniform', low: 0, high: 0.01 } }, /params\.weightDecay: a log range needs low > 0/),
  space('an out-of-range learning rate is refused', { lr: { type: 'choice', values: [-1, 0.01] } }, /params\.lr: lr must be a positive number, got -1/),
  space('an unknown model is refused', { lr: { type: 'choice', values: [0.01] } }, /model: unknown model "nope"/, { model: 'nope' }),
  space('a searched seed is refused', { seed: { type: 'choice', values: [1, 2] } }, /params\.seed: cannot be set in a space/),
  { name: 'no --space is refused', args: ['--trials', '2'], code: 2, says: /--space FILE is required/ },
  option('--sampler nope is refused', ['--sampler', 'nope'], /--sampler must be one of grid, random, halving, hyperband/),
  option('the random sampler without --trials is refused', [], /--trials N is required with --sampler random/),
  option('--trials -2 gives the range message', ['--trials', '-2'], /--trials must be an integer ≥ 1, got "-2"/),
  option('--eta 1 is refused', ['--sampler', 'halving', '--trials', '3', '--eta', '1'], /--eta must be an integer ≥ 2, got "1"/),
  option('--workers 0 is refused', ['--trials', '2', '--workers', '0'], /--workers must be an integer ≥ 1, got "0"/),
  option('--min-epochs beyond --max-epochs is refused', ['--sampler', 'halving', '--trials', '3', '--min-epochs', '5', '--max-epochs', '2'], /--min-epochs 5 exceeds --max-epochs 2/),
  option('--min-epochs with the random sampler is refused', ['--trials', '2', '--min-epochs', '1'], /--min-epochs and --eta apply to the halving and hyperband samplers, not random/),
  { name: '--resume without --sweep-dir is refused', args: ['--resume'], code: 2, says: /--resume needs --sweep-dir DIR/ },
  resume('--resume of a directory without a sweep is named', () => tempDir('no-sweep'), [], 1, /not a sweep directory \(no sweep\.json\)/),
  resume('--resume with a corrupt sweep.json is named', () => sweepDir('corrupt', { 'sweep.json': '{"sampler": "ran' }), [], 1, /sweep\.json: corrupt or truncated JSON/),
  resume('--resume with a torn last line of trials.jsonl is named', () => sweepDir('torn', { 'trials.jsonl': '{"trial": 0, "ru' }), [], 1, /trials\.jsonl: line 1 is not valid JSON \(torn or corrupt\)/),
  resume('--resume with another --seed is refused', () => sweepDir('seed'), ['--seed', '7'], 2, /--seed 7 differs from the sweep being resumed \(42\)/),
  resume('--resume with another --space is refused', () => sweepDir('space'), ['--space', join(__dirname, '..', 'spaces', 'cnn-small.json')], 2, /--space .*cnn-small\.json differs from the space the sweep was started with/),
  resume('--resume of a sweep another process runs refuses naming it', () => sweepDir('locked', { 'sweep.lock': String(process.ppid) }), [], 1, new RegExp(`the sweep is already running in process ${process.ppid}`)),
];

test.before(() => {
  dir = tempDir('tune');
  writeFileSync(spaceFile('good.json'), JSON.stringify(SPACE));
});

badInputMatrix(test, 'tune.ts', 'tune', cases);

test.run();
