/**
 * The bad-input matrix's harness (test/bad-input-<command>.test.ts): each case runs a command's main function
 * in this process — spawning ts-node per case would cost seconds each — with stdout and stderr captured, and
 * checks the README's promise for it: the exit code (2 bad arguments, 1 a problem with a file), exactly one
 * line on stderr naming the file or option, no stack trace, and nothing half-written (the directories the
 * case names are byte-for-byte as before, and no temporary is left anywhere under them).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { commandMain, errorLine, exitCodeOf } from '../lib/cli/cli';
import { encodeIdx } from '../lib/data/idx';
import type { DigitSet } from '../lib/data/mnist';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { PROJECT_ROOT } from '../lib/util/paths';
import { mnistSubset } from './helpers';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs lib/cli/<file> with argv as `npm run` would, minus process start-up and process.exit. */
export async function runCommand(file: string, argv: string[]): Promise<Outcome> {
  const { name, main } = commandMain(join(PROJECT_ROOT, 'lib/cli', file));
  const captured = { stdout: '', stderr: '' };
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array) => {
      captured[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  let code = 0;
  try {
    await main(argv);
  } catch (err) {
    captured.stderr += errorLine(name, err as Error) + '\n';
    code = exitCodeOf(err as Error);
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  }
  return { code, ...captured };
}

export interface BadCase {
  /** Reads as a sentence after the command's name. */
  name: string;
  args: string[] | (() => string[]);
  /** 0 for hostile input that must still work (a CMYK JPEG, a 16-bit PNG): then no error line at all. */
  code: 0 | 1 | 2;
  /** What the one error line says: the file or option, and the problem. */
  says?: RegExp;
  /** Directories (or files) that must be left exactly as they were. */
  untouched?: () => string[];
  /** Directories that may gain files but never a temporary. */
  noTemporaries?: () => string[];
  /** The command logs progress (a training) before failing: the error is its last line, the only one naming the command. */
  logs?: boolean;
  setup?: () => void | Promise<void>;
  check?: (outcome: Outcome) => void;
}

/** Every file under path with its size and mtime: equal snapshots mean nothing was written. */
export function snapshot(path: string): string[] {
  if (!existsSync(path)) return ['(absent)'];
  const stat = statSync(path);
  if (!stat.isDirectory()) return [`${path} ${stat.size} ${stat.mtimeMs}`];
  return [`${path}/`, ...readdirSync(path).sort().flatMap((entry) => snapshot(join(path, entry)))];
}

export const temporariesUnder = (path: string) => snapshot(path).filter((line) => /\.tmp[ /]/.test(line) || /\.new\/$/.test(line));

/** Registers one uvu test per case. */
export function badInputMatrix(suite: Test, file: string, command: string, cases: BadCase[]): void {
  for (const c of cases) {
    suite(`${command}: ${c.name}`, async () => {
      await c.setup?.();
      const args = typeof c.args === 'function' ? c.args() : c.args;
      const untouched = c.untouched?.() ?? [];
      const before = untouched.map(snapshot);
      const outcome = await runCommand(file, args);
      const lines = outcome.stderr.split('\n').filter((line) => line.trim() !== '');
      assert.is(outcome.code, c.code, `exit code; stderr: ${outcome.stderr}`);
      assert.not.match(outcome.stderr, /\n\s+at /, 'no stack trace');
      const own = lines.filter((line) => line.startsWith(`${command}: `));
      if (c.code === 0) {
        assert.equal(own, [], 'no error line');
      } else if (c.logs) {
        assert.is(own.length, 1, `one error line: ${outcome.stderr}`);
        assert.is(own[0], lines[lines.length - 1], 'the error is the last line');
      } else {
        assert.is(lines.length, 1, `exactly one line on stderr: ${outcome.stderr}`);
        assert.is(own.length, 1, `the line names the command: ${outcome.stderr}`);
      }
      if (c.says) assert.match(own[0], c.says);
      untouched.forEach((path, i) => assert.equal(snapshot(path), before[i], `${path} left as it was`));
      for (const path of [...untouched, ...(c.noTemporaries?.() ?? [])]) assert.equal(temporariesUnder(path), [], `no temporaries under ${path}`);
      c.check?.(outcome);
    });
  }
}

export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `pixelwise-bad-${label}-`));

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** side×side copies of MNIST digits: padded with black (side > 28) or cropped around the centre (side < 28). */
function resized(set: DigitSet, side: number): Uint8Array {
  const out = new Uint8Array(set.count * side * side);
  const offset = Math.floor((28 - side) / 2);
  for (let n = 0; n < set.count; n++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const sy = y + offset;
        const sx = x + offset;
        if (sy >= 0 && sy < 28 && sx >= 0 && sx < 28) out[n * side * side + y * side + x] = set.images[n * 784 + sy * 28 + sx];
      }
    }
  }
  return out;
}

/** Writes a small MNIST-format dataset (real digits) into a fresh directory; `side` changes the image size. */
export async function writeDataset({ train = 240, test = 60, side = 28 }: { train?: number; test?: number; side?: number } = {}): Promise<string> {
  const data = await mnistSubset(train, test);
  const dir = tempDir('data');
  writeFileSync(join(dir, IDX_FILES.trainImages), encodeIdx([train, side, side], side === 28 ? data.train.images : resized(data.train, side)));
  writeFileSync(join(dir, IDX_FILES.trainLabels), encodeIdx([train], data.train.labels));
  writeFileSync(join(dir, IDX_FILES.testImages), encodeIdx([test, side, side], side === 28 ? data.test.images : resized(data.test, side)));
  writeFileSync(join(dir, IDX_FILES.testLabels), encodeIdx([test], data.test.labels));
  return dir;
}

let finished: { run: string; data: string } | undefined;

/** One real finished run (cnn-small, one epoch on 240 images of writeDataset), trained once per process. */
export async function finishedRun(): Promise<{ run: string; data: string }> {
  if (!finished) {
    const data = await writeDataset();
    const run = join(tempDir('run'), 'run');
    const config = resolveConfig({ model: 'cnn-small', epochs: 1, batchSize: 32, modelOptions: { width: 4 }, dataDir: data, backend: 'wasm' });
    const result = await trainRun(config, { runDir: run });
    result.model.dispose();
    finished = { run, data };
  }
  return finished;
}

/** A fresh copy of the finished run, to damage. */
export async function runCopy(): Promise<string> {
  const { run } = await finishedRun();
  const copy = join(tempDir('copy'), 'run');
  mkdirSync(copy);
  cpSync(run, copy, { recursive: true });
  return copy;
}

/** How most commands are given a run. */
export const runArgs = (run: string) => ['--run', run, '--backend', 'wasm'];

/** A copy of the finished run with one file damaged, given to the command as `argsOf(copy)`. */
export function damagedRun(name: string, damage: (run: string) => void, says: RegExp, argsOf: (run: string) => string[] = runArgs, code: 1 | 2 = 1): BadCase {
  let run = '';
  return {
    name,
    setup: async () => {
      run = await runCopy();
      damage(run);
    },
    args: () => argsOf(run),
    code,
    says,
    untouched: () => [run],
  };
}

export const editFile = (file: string, change: (text: string) => string) => writeFileSync(file, change(readFileSync(file, 'utf8')));
const withoutManifest = (text: string) => JSON.stringify({ ...JSON.parse(text), weightsManifest: undefined });

/** The damage every command that reads a run's model and files must name. */
export const RUN_DAMAGE: [string, (run: string) => void, RegExp][] = [
  ['a corrupt model/model.json is named', (r) => writeFileSync(join(r, 'model', 'model.json'), '{"modelTopology": {'), /model\/model\.json: corrupt or truncated JSON/],
  ['a model/model.json without weightsManifest is named', (r) => editFile(join(r, 'model', 'model.json'), withoutManifest), /model\/model\.json: no weightsManifest/],
  ['an unknown layer class in model/model.json is named', (r) => editFile(join(r, 'model', 'model.json'), (t) => t.replace('"class_name": "Conv2D"', '"class_name": "Bogus"')), /model\/model\.json: cannot rebuild the model \(Unknown layer: Bogus\)$/],
  ['a truncated model/weights.bin is named', (r) => truncateSync(join(r, 'model', 'weights.bin'), 1000), /model\/weights\.bin: truncated: model\.json lists \d+ bytes of weights, found 1000/],
  ['an empty model/weights.bin is named', (r) => truncateSync(join(r, 'model', 'weights.bin'), 0), /model\/weights\.bin: truncated: .*found 0/],
  ['a missing model/weights.bin is named', (r) => rmSync(join(r, 'model', 'weights.bin')), /model\/weights\.bin: cannot read: no such file or directory \(ENOENT\)/],
  ['a directory in place of model/weights.bin is named (EISDIR)', (r) => { rmSync(join(r, 'model', 'weights.bin')); mkdirSync(join(r, 'model', 'weights.bin')); }, /model\/weights\.bin: cannot read: is a directory, not a file \(EISDIR\)/],
  ['a corrupt config.json is named', (r) => writeFileSync(join(r, 'config.json'), '{"config": '), /config\.json: corrupt or truncated JSON/],
];
