/**
 * npm run train, given hostile options, data and run directories: each case exits 2 (bad argument) or 1
 * (a problem with a file) with one line naming the option or file, and leaves the directories as they were.
 * The last tests: a killed training leaves a lock and temporaries that --resume cleans up.
 */
import { BACKEND_ORDER } from '../lib/backend/select';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'fs';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'zlib';
import { encodeIdx } from '../lib/data/idx';
import { processAlive } from '../lib/util/lock';
import { BadCase, badInputMatrix, damagedRun, finishedRun, IDX_FILES, runCommand, runCopy, snapshot, tempDir, temporariesUnder, writeDataset } from './bad-input';

let good = '';
const model = ['--model', 'cnn-small'];
const quick = ['--epochs', '1', '--model-option', 'width=4', '--backend', 'wasm'];

/** A copy of the good dataset with one thing done to it; the case's args read `dir`. */
function damagedData(name: string, damage: (dir: string) => void, says: RegExp, extra: string[] = [], code: 1 | 2 = 1): BadCase {
  let dir = '';
  return {
    name,
    setup: () => {
      dir = tempDir('damaged');
      cpSync(good, dir, { recursive: true });
      damage(dir);
    },
    args: () => [...(extra.length ? extra : [...model, ...quick]), '--data', dir, '--run-dir', join(dir, 'run')],
    code,
    says,
    untouched: () => [dir],
  };
}

/** A copy of a finished run with one thing done to it, then --resume; checkpoint files are read after the backend and data are logged. */
function damagedResume(name: string, damage: (run: string) => void, says: RegExp, extra: string[] = [], code: 1 | 2 = 1): BadCase {
  return { ...damagedRun(name, damage, says, (run) => ['--resume', '--run-dir', run, ...extra], code), logs: /checkpoint/.test(name) };
}

const images = (dir: string) => join(dir, IDX_FILES.trainImages);
const labels = (dir: string) => join(dir, IDX_FILES.trainLabels);
const option = (name: string, args: string[], says: RegExp): BadCase => ({ name, args: [...model, ...args], code: 2, says });

const cases: BadCase[] = [
  option('--epochs -1 gives the range message', ['--epochs', '-1'], /--epochs must be an integer ≥ 1, got "-1"/),
  option('--epochs 0 is refused', ['--epochs', '0'], /--epochs must be an integer ≥ 1, got "0"/),
  option('--epochs 1.5 is refused', ['--epochs', '1.5'], /--epochs must be an integer ≥ 1, got "1\.5"/),
  option('--epochs abc is refused', ['--epochs', 'abc'], /--epochs must be an integer/),
  option('--batch-size 0 is refused', ['--batch-size', '0'], /--batch-size must be an integer ≥ 1/),
  option('--lr 0 is refused', ['--lr', '0'], /--lr must be a positive number, got "0"/),
  option('--lr -0.1 gives the range message', ['--lr', '-0.1'], /--lr must be a positive number, got "-0\.1"/),
  option('--lr abc is refused', ['--lr', 'abc'], /--lr must be a positive number, got "abc"/),
  option('--val-fraction -0.1 gives the range message', ['--val-fraction', '-0.1'], /--val-fraction must be a non-negative number, got "-0\.1"/),
  option('--val-fraction 0.7 is refused', ['--val-fraction', '0.7'], /valFraction must be in \[0, 0\.5\), got 0\.7/),
  option('--label-smoothing 1 is refused', ['--label-smoothing', '1'], /labelSmoothing must be in \[0, 1\)/),
  option('--weight-decay 2 is refused', ['--weight-decay', '2'], /weightDecay must be in \[0, 1\)/),
  option('--warmup-epochs beyond the epochs is refused', ['--epochs', '2', '--warmup-epochs', '5'], /warmupEpochs must be in \[0, 3\)/),
  option('--schedule nope is refused', ['--schedule', 'nope'], /--schedule must be one of constant, step, cosine, onecycle, exponential, got "nope"/),
  option('--optimizer nope is refused', ['--optimizer', 'nope'], /--optimizer must be one of adam, adamw, sgd/),
  option('--backend nope is refused', ['--backend', 'nope'], new RegExp(`--backend must be one of ${BACKEND_ORDER.join(", ")}`)),
  option('--seed -3 gives the range message', ['--seed', '-3'], /--seed must be an integer ≥ 0, got "-3"/),
  option('--train-limit 0 is refused', ['--train-limit', '0'], /--train-limit must be an integer ≥ 1/),
  option('an unknown option is refused', ['--frobnicate'], /Unknown option '--frobnicate'/),
  option('--model-option without = is refused', ['--model-option', '16'], /--model-option wants key=value/),
  option('a misspelt model option is refused', ['--model-option', 'widht=16'], /model cnn-small has no option "widht"/),
  option('a negative width is refused', ['--model-option', 'width=-16'], /model option width must be a positive integer, got -16/),
  option('a dropout of 1.5 is refused', ['--model-option', 'dropout=1.5'], /model option dropout must be in \[0, 1\), got 1\.5/),
  option('a ViT with heads that do not divide dim is refused', ['--model', 'vit-tiny', '--model-option', 'heads=5'], /ViT: dim 64 is not divisible by heads 5/),
  { name: 'no --model is refused', args: ['--epochs', '1'], code: 2, says: /--model is required/ },
  { name: 'an unknown model is refused', args: ['--model', 'nope'], code: 2, says: /unknown model "nope" \(available: lenet5, cnn-small/ },
  { name: '--resume without --run-dir is refused', args: ['--resume'], code: 2, says: /--resume needs --run-dir DIR/ },

  { name: 'a missing --data directory is named', args: [...model, '--data', '/nonexistent/mnist'], code: 1, says: /\/nonexistent\/mnist: data directory does not exist/ },
  damagedData('a data directory missing a file names it', (d) => rmSync(labels(d)), /missing IDX file\(s\): train-labels-idx1-ubyte/),
  damagedData('a truncated image file is named', (d) => truncateSync(images(d), 1000), /train-images-idx3-ubyte: truncated: header promises 240×28×28/),
  damagedData('an empty image file is named', (d) => truncateSync(images(d), 0), /train-images-idx3-ubyte: too short for an IDX header \(0 bytes\)/),
  damagedData('a wrong magic number is named', (d) => writeFileSync(images(d), Buffer.from('not an idx file at all')), /train-images-idx3-ubyte: wrong magic number/),
  damagedData('a float IDX file is refused by dtype', (d) => writeFileSync(images(d), Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0])), /unsupported IDX dtype 0xd/),
  damagedData('trailing bytes are named', (d) => writeFileSync(labels(d), Buffer.concat([readFileSync(labels(d)), Buffer.alloc(7)])), /train-labels-idx1-ubyte: 7 unexpected trailing bytes/),
  damagedData('a label outside 0..9 is named', (d) => writeFileSync(labels(d), encodeIdx([240], new Uint8Array(240).fill(10))), /train-labels-idx1-ubyte: label 10 at index 0 is outside 0\.\.9/),
  damagedData('a label count that differs from the images is named', (d) => writeFileSync(labels(d), encodeIdx([200], new Uint8Array(200))), /train-labels-idx1-ubyte: 200 labels but .* has 240 images/),
  damagedData('a header claiming 2³¹ images is refused without allocating', (d) => writeFileSync(images(d), encodeIdx([2 ** 31, 28, 28], new Uint8Array(100))), /train-images-idx3-ubyte: truncated: header promises 2147483648×28×28/),
  damagedData('a directory in place of an IDX file is named (EISDIR)', (d) => { rmSync(images(d)); mkdirSync(images(d)); }, /train-images-idx3-ubyte: cannot read: is a directory, not a file \(EISDIR\)/),
  damagedData('corrupt gzip data is named', (d) => { rmSync(images(d)); writeFileSync(`${images(d)}.gz`, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])); }, /train-images-idx3-ubyte\.gz: corrupt gzip data/),
  damagedData(
    'a gzip bomb is stopped at the size its IDX header promises',
    (d) => {
      // 64 MB of zeros behind a header promising 240 images: about 64 KB of gzip.
      const bomb = Buffer.alloc(64 * 1024 * 1024);
      bomb.set(encodeIdx([240, 28, 28], new Uint8Array(0)));
      rmSync(images(d));
      writeFileSync(`${images(d)}.gz`, gzipSync(bomb, { level: 1 }));
    },
    /train-images-idx3-ubyte\.gz: inflates to more than the 188176 bytes its IDX header promises/,
  ),
  damagedData(
    'a ViT patch size that cannot tile 28×29 images is refused naming the sizes that would',
    (d) => {
      writeFileSync(images(d), encodeIdx([240, 28, 29], new Uint8Array(240 * 28 * 29)));
      writeFileSync(join(d, IDX_FILES.testImages), encodeIdx([60, 28, 29], new Uint8Array(60 * 28 * 29)));
    },
    /ViT: patchSize 7 does not divide the 28×29 image \(use one of 1\)/,
    ['--model', 'vit-tiny', '--epochs', '1'],
    2,
  ),
  damagedData('test images of another size than the training images are named', (d) => writeFileSync(join(d, IDX_FILES.testImages), encodeIdx([60, 32, 32], new Uint8Array(60 * 32 * 32))), /t10k-images-idx3-ubyte: images are 32×32, the training images 28×28/),
  damagedData('images too small for a CNN are refused', (d) => {
    writeFileSync(images(d), encodeIdx([240, 8, 8], new Uint8Array(240 * 64)));
    writeFileSync(join(d, IDX_FILES.testImages), encodeIdx([60, 8, 8], new Uint8Array(60 * 64)));
  }, /the CNNs need images of at least 12×12 pixels, got 8×8/, [], 2),
  damagedData('images too small for cnn-simple\'s ten valid convolutions are refused', (d) => {
    writeFileSync(images(d), encodeIdx([240, 20, 20], new Uint8Array(240 * 400)));
    writeFileSync(join(d, IDX_FILES.testImages), encodeIdx([60, 20, 20], new Uint8Array(60 * 400)));
  }, /cnn-simple's 10 valid 3×3 convolutions need images of more than 20 pixels a side, got 20×20/, ['--model', 'cnn-simple', '--epochs', '1'], 2),

  damagedResume('a corrupt config.json is named', (r) => writeFileSync(join(r, 'config.json'), '{"config": {"model": "cnn-sm'), /config\.json: corrupt or truncated JSON/),
  damagedResume('an empty config.json is named', (r) => writeFileSync(join(r, 'config.json'), ''), /config\.json: empty JSON/),
  damagedResume('a config.json of another program is named', (r) => writeFileSync(join(r, 'config.json'), '{}'), /config\.json: no "config" with a model/),
  damagedResume('a corrupt checkpoint/state.json is named', (r) => writeFileSync(join(r, 'checkpoint', 'state.json'), '{"epochsDone": 1, "metr'), /checkpoint\/state\.json: corrupt or truncated JSON/),
  damagedResume('a truncated checkpoint/optimizer.bin is named', (r) => truncateSync(join(r, 'checkpoint', 'optimizer.bin'), 100), /checkpoint\/optimizer\.bin: truncated: optimizer\.json describes \d+ bytes, the file has 100/),
  damagedResume('a corrupt checkpoint/optimizer.json is named', (r) => writeFileSync(join(r, 'checkpoint', 'optimizer.json'), '[{"name"'), /checkpoint\/optimizer\.json: corrupt or truncated JSON/),
  damagedResume('a truncated checkpoint/weights.bin is named', (r) => truncateSync(join(r, 'checkpoint', 'weights.bin'), 64), /checkpoint\/weights\.bin: truncated: model\.json lists \d+ bytes of weights, found 64/),
  damagedResume('a missing checkpoint/weights.bin is named', (r) => rmSync(join(r, 'checkpoint', 'weights.bin')), /checkpoint\/weights\.bin: cannot read: no such file or directory \(ENOENT\)/),
  damagedResume(
    'an unknown layer class in checkpoint/model.json is named',
    (r) => {
      const file = join(r, 'checkpoint', 'model.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"class_name": "Conv2D"', '"class_name": "Bogus"'));
    },
    /checkpoint\/model\.json: cannot rebuild the model \(Unknown layer: Bogus\)$/,
  ),
  damagedResume('a checkpoint/model.json without weightsManifest is named', (r) => {
    const file = join(r, 'checkpoint', 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    delete json.weightsManifest;
    writeFileSync(file, JSON.stringify(json));
  }, /checkpoint\/model\.json: no weightsManifest/),
  damagedResume('--resume --epochs 5 --lr 0.1 refuses the changed options', () => undefined, /--epochs 5 differs from the run being resumed \(1\); drop it to resume/, ['--epochs', '5', '--lr', '0.1'], 2),
  damagedResume('--resume with another --model is refused', () => undefined, /--model "lenet5" differs from the run being resumed \("cnn-small"\)/, ['--model', 'lenet5'], 2),
  damagedResume('--resume of a run another process is training refuses at once naming it', (r) => writeFileSync(join(r, 'run.lock'), String(process.ppid)), new RegExp(`a training is already running in process ${process.ppid}`)),
  {
    name: 'a second training into a run directory in use refuses at once naming the process',
    setup: () => writeFileSync(join(finishedRunDir, 'run.lock'), String(process.ppid)),
    args: () => [...model, ...quick, '--data', good, '--run-dir', finishedRunDir],
    code: 1,
    says: new RegExp(`run: a training is already running in process ${process.ppid} \\(delete run\\.lock if it is not\\)`),
    untouched: () => [finishedRunDir],
    check: () => rmSync(join(finishedRunDir, 'run.lock')),
  },
  { name: 'a finished run is not overwritten', args: () => [...model, ...quick, '--data', good, '--run-dir', finishedRunDir], code: 1, says: /already holds a run; use --resume/, untouched: () => [finishedRunDir] },
  {
    name: 'a diverging training (--lr 1e9) stops with a clear message and is not marked finished',
    args: () => [...model, ...quick, '--lr', '1e9', '--data', good, '--run-dir', join(divergedDir, 'run')],
    code: 1,
    says: /training diverged: the loss became NaN in epoch 1 .*not marked finished/,
    logs: true,
    noTemporaries: () => [divergedDir],
    check: () => assert.ok(!existsSync(join(divergedDir, 'run', 'summary.json')) && !existsSync(join(divergedDir, 'run', 'model')), 'not marked finished'),
  },
];

let finishedRunDir = '';
let divergedDir = '';

test.before(async () => {
  good = await writeDataset();
  finishedRunDir = (await finishedRun()).run;
  divergedDir = tempDir('diverged');
});

badInputMatrix(test, 'train.ts', 'train', cases);

test('train: a killed training leaves no stuck lock and no temporaries: --resume takes over and cleans up', async () => {
  const run = await runCopy();
  const dead = 4_000_000;
  assert.ok(!processAlive(dead));
  writeFileSync(join(run, 'run.lock'), String(dead));
  writeFileSync(join(run, `metrics.jsonl.${dead}.tmp`), '{"epoch": 1');
  writeFileSync(join(run, 'model', `weights.bin.${dead}.tmp`), 'half');
  mkdirSync(join(run, 'checkpoint.new'));
  writeFileSync(join(run, 'checkpoint.new', 'weights.bin'), 'half');
  const outcome = await runCommand('train.ts', ['--resume', '--run-dir', run]);
  assert.is(outcome.code, 0, outcome.stderr);
  assert.equal(temporariesUnder(run), []);
  assert.ok(!existsSync(join(run, 'run.lock')));
  assert.ok(!readdirSync(run).includes('checkpoint.new'));
  assert.ok(snapshot(run).some((line) => line.includes('summary.json')));
});

test.run();
