import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { resolveConfig } from '../lib/train/config';
import { distillationLoss } from '../lib/train/distill';
import { reuseMismatch } from '../lib/train/reuse';
import { trainRun } from '../lib/train/run';
import type { TrainConfig } from '../lib/train/types';
import { mnistSubset, rejects } from './helpers';

const tempRun = () => join(mkdtempSync(join(tmpdir(), 'pixelwise-distill-')), 'run');
const teacherConfig = (overrides: Partial<TrainConfig> = {}) =>
  resolveConfig({ model: 'cnn-small', epochs: 1, batchSize: 32, lr: 0.003, modelOptions: { width: 8 }, valFraction: 0.1, ...overrides });
const student = (overrides: Partial<TrainConfig>) =>
  resolveConfig({ model: 'vit-tiny', epochs: 1, batchSize: 32, modelOptions: { dim: 16, depth: 1, heads: 2 }, valFraction: 0.1, augment: false, ema: 0, ...overrides });

let data: Awaited<ReturnType<typeof mnistSubset>>;
let teacher: string;
let otherSplitTeacher: string;

test.before(async () => {
  await initBackend('wasm');
  data = await mnistSubset(400, 100);
  teacher = tempRun();
  (await trainRun(teacherConfig(), { runDir: teacher, data })).model.dispose();
  otherSplitTeacher = tempRun();
  (await trainRun(teacherConfig({ splitSeed: 7 }), { runDir: otherSplitTeacher, data })).model.dispose();
});

test('the distillation loss is T² times the cross-entropy of the tempered softmaxes', () => {
  const student = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
  const teacherLogits = tf.tensor2d([[1, 1, 0], [-1, 2, 2]]);
  const T = 3;
  const softmax = (row: number[]) => {
    const e = row.map((x) => Math.exp(x / T));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  };
  const s = student.arraySync();
  const t = teacherLogits.arraySync();
  const perRow = s.map((row, i) => -softmax(t[i]).reduce((acc, p, k) => acc + p * Math.log(softmax(row)[k]), 0));
  const expected = (T * T * (perRow[0] + perRow[1])) / 2;
  const loss = distillationLoss(student, teacherLogits, T);
  assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-5, `${loss.dataSync()[0]} vs ${expected}`);
  tf.dispose([student, teacherLogits, loss]);
});

test('a student that predicts what its teacher does gets no gradient from the teacher', () => {
  const logits = tf.tensor2d([[2, 0, -1, 4], [0.5, 0.5, 3, -2]]);
  const grad = tf.grad((x: tf.Tensor) => distillationLoss(x as tf.Tensor2D, logits, 2))(logits);
  assert.ok(Math.max(...Array.from(grad.abs().dataSync())) < 1e-7);
  tf.dispose([logits, grad]);
});

test('a run with a teacher records it, and with weight 0 trains exactly as without one', async () => {
  const before = tf.memory().numTensors;
  const plain = await trainRun(student({}), { runDir: tempRun(), data });
  const weighted0 = await trainRun(student({ teacher, distillWeight: 0 }), { runDir: tempRun(), data });
  const taught = await trainRun(student({ teacher }), { runDir: tempRun(), data });
  assert.equal(weighted0.metrics.map((m) => [m.loss, m.valAcc]), plain.metrics.map((m) => [m.loss, m.valAcc]));
  assert.is(weighted0.summary.testAccuracy, plain.summary.testAccuracy);
  assert.is.not(taught.metrics[0].loss, plain.metrics[0].loss);
  const recorded = JSON.parse(readFileSync(join(taught.runDir, 'config.json'), 'utf8'));
  assert.is(recorded.teacher.run, teacher);
  assert.is(recorded.teacher.model, 'cnn-small');
  assert.match(recorded.teacher.weightsSha256, /^[0-9a-f]{64}$/);
  assert.is(recorded.config.distillWeight, undefined, 'the defaults are not written into the configuration');
  for (const run of [plain, weighted0, taught]) run.model.dispose();
  assert.is(tf.memory().numTensors, before, 'the teacher and its logits are freed');
});

test('a finished student is not reused once its teacher has been retrained', async () => {
  const ownTeacher = tempRun();
  cpSync(teacher, ownTeacher, { recursive: true });
  const run = await trainRun(student({ teacher: ownTeacher }), { runDir: tempRun(), data });
  run.model.dispose();
  assert.is(reuseMismatch(run.runDir, run.config, data.source), undefined);
  // The same directory now holds another seed's teacher.
  const retrained = tempRun();
  (await trainRun(teacherConfig({ seed: 43, splitSeed: 42 }), { runDir: retrained, data })).model.dispose();
  cpSync(retrained, ownTeacher, { recursive: true, force: true });
  assert.is(reuseMismatch(run.runDir, run.config, data.source), 'the teacher changed');
});

test('a teacher that trained on the run’s validation images is refused, and says which split to use', async () => {
  await rejects(() => trainRun(student({ teacher: otherSplitTeacher }), { runDir: tempRun(), data }), /teacher .*: trained on \d+ of this run's validation images \(give the run its split: --split-seed 7 --val-fraction 0.1\)/);
});

test('distillation settings without a teacher, or a teacher that is not a finished run, are refused', async () => {
  assert.throws(() => student({ distillWeight: 0.3 }), /distillWeight needs a teacher run \(--teacher DIR\)/);
  assert.throws(() => student({ teacher, distillTemperature: 0 }), /distillTemperature must be a positive number/);
  await rejects(() => trainRun(student({ teacher: tmpdir() }), { runDir: tempRun(), data }), /teacher .*: not a finished run with a saved model/);
});

test.run();
