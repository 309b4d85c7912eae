import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { firstIndices } from '../lib/data/dataset';
import { evaluateEnsemble } from '../lib/train/ensemble';
import { chooseEnsemble, HALVINGS, selectMembers, SELECTION_RULES } from '../lib/train/ensemble-choice';
import { evaluateModel, evaluationOf } from '../lib/eval/evaluate';
import { resolveConfig } from '../lib/train/config';
import { RunResult, trainRun } from '../lib/train/run';
import type { TrainConfig } from '../lib/train/types';
import { mnistSubset, rejects } from './helpers';

const tempDir = () => mkdtempSync(join(tmpdir(), 'pixelwise-ensemble-'));
const small = (overrides: Partial<TrainConfig>) =>
  resolveConfig({ model: 'cnn-small', epochs: 1, batchSize: 32, lr: 0.003, modelOptions: { width: 4 }, valFraction: 0.1, ...overrides });
const runs: RunResult[] = [];

test.before(async () => {
  await initBackend('wasm');
  const data = await mnistSubset(400, 120);
  for (const [seed, splitSeed] of [[1, 7], [2, 7], [3, undefined]] as const) {
    runs.push(await trainRun(small({ seed, splitSeed }), { runDir: join(tempDir(), `run-${seed}`), data }));
  }
});

test.after(() => runs.forEach((r) => r.model.dispose()));

test('an ensemble is the mean of its members’ probabilities, evaluated like one model and saved like a run', async () => {
  const data = await mnistSubset(400, 120);
  const outDir = join(tempDir(), 'ensemble');
  const result = await evaluateEnsemble([runs[0].runDir, runs[1].runDir], outDir, { data });
  const members = runs.slice(0, 2).map((r) => evaluateModel(r.model, data.test, firstIndices(120)).probabilities);
  const mean = members[0].map((p, i) => (p + members[1][i]) / 2);
  const expected = evaluationOf(mean, runs[0].test.labels);
  assert.is(result.summary.testAccuracy, expected.accuracy);
  assert.equal(result.summary.confusionMatrix, expected.confusionMatrix);
  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
  assert.is(summary.family, 'ensemble');
  assert.is(summary.params, runs[0].summary.params + runs[1].summary.params);
  const config = JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8'));
  assert.equal(config.config.members, runs.slice(0, 2).map((r) => relative(outDir, r.runDir)));
  assert.ok(result.validation, 'members with one split seed give a validation figure');
  assert.is(summary.valAccuracy, result.validation!.accuracy);
});

test('members that held out different images give no validation figure, and say why', async () => {
  const data = await mnistSubset(400, 120);
  const result = await evaluateEnsemble([runs[0].runDir, runs[2].runDir], join(tempDir(), 'ensemble'), { data });
  assert.is(result.validation, undefined);
  assert.match(result.noValidation!, /different validation images .*--split-seed/);
});

test('an ensemble refuses a single run, an unfinished member and an occupied output directory', async () => {
  const data = await mnistSubset(400, 120);
  await rejects(() => evaluateEnsemble([runs[0].runDir], join(tempDir(), 'e'), { data }), /at least two runs, got 1/);
  await rejects(() => evaluateEnsemble([runs[0].runDir, tempDir()], join(tempDir(), 'e'), { data }), /not a run directory \(no config\.json\)/);
  await rejects(() => evaluateEnsemble([runs[0].runDir, runs[1].runDir], runs[2].runDir, { data }), /already holds a run; choose another --out/);
});

/** Softmax-like rows for `labels`: `confidence` on the label, or on the next class at the `wrongAt` images. */
function candidate(labels: number[], wrongAt: number[], confidence: number): Float32Array {
  const p = new Float32Array(labels.length * 10).fill((1 - confidence) / 9);
  labels.forEach((label, i) => (p[i * 10 + (wrongAt.includes(i) ? (label + 1) % 10 : label)] = confidence));
  return p;
}

test('greedy selection starts from the best candidate and adds only what raises the validation figure', () => {
  const labels = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const l = [...labels];
  // a, b and c each miss one image (a the most confident, so the best alone); only all three outvote each
  // miss. d misses everything and can only hurt.
  const a = candidate(l, [0], 0.9);
  const b = candidate(l, [1], 0.8);
  const c = candidate(l, [2], 0.7);
  const d = candidate(l, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0.9);
  const chosen = selectMembers('greedy', [d, c, b, a], labels);
  assert.equal(chosen[0], { index: 3, valAccuracy: 0.9 });
  assert.equal(chosen.map((x) => x.index).sort(), [1, 2, 3]);
  assert.is(chosen[chosen.length - 1].valAccuracy, 1);
  assert.equal(selectMembers('best-k', [d, c, b, a], labels).map((x) => x.index), [3, 2, 1], 'the three best alone, best first');
  assert.equal(selectMembers('all', [d, c, b, a], labels).map((x) => x.index), [3, 2, 1, 0], 'every candidate, best first');
});

test('the rule is chosen on held-out halves: where greedy fits one half\'s noise, averaging all wins', () => {
  // Forty candidates, each right on an image with probability 0.8 and otherwise confidently wrong, the errors
  // independent: the mean of all is nearly always right, while greedy stops at the few that happen to suit
  // the half it picks on.
  const count = 400;
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  let state = 7;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const candidates = Array.from({ length: 40 }, () => candidate([...labels], [...labels.keys()].filter(() => random() < 0.2), 0.6));
  const choice = chooseEnsemble(candidates, labels);
  assert.is(choice.rule, 'all');
  assert.is(choice.joined.length, 40);
  assert.ok(choice.heldOut.all > choice.heldOut.greedy, `all ${choice.heldOut.all} ≤ greedy ${choice.heldOut.greedy}`);
  assert.equal(Object.keys(choice.heldOut), [...SELECTION_RULES]);
  assert.equal(chooseEnsemble(candidates, labels), choice, 'the halvings come from a fixed seed');
});

test('choosing members records the candidates and the choice, and needs one validation split', async () => {
  const data = await mnistSubset(400, 120);
  const outDir = join(tempDir(), 'chosen');
  const result = await evaluateEnsemble([runs[0].runDir, runs[1].runDir], outDir, { data, choose: true });
  const joined = result.choice!.joined;
  assert.ok(joined.length >= 1);
  const config = JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8'));
  assert.equal(config.config.members, joined.map((c) => relative(outDir, c.dir)));
  assert.equal(config.choice.candidates, runs.slice(0, 2).map((r) => relative(outDir, r.runDir)));
  assert.is(config.choice.rule, result.choice!.rule);
  assert.equal(config.choice.heldOut, { halvings: HALVINGS, accuracy: result.choice!.heldOut });
  assert.is(result.summary.valAccuracy, joined[joined.length - 1].valAccuracy);
  await rejects(() => evaluateEnsemble([runs[0].runDir, runs[2].runDir], join(tempDir(), 'e'), { data, choose: true }), /same validation images .*--split-seed/);
});

test.run();
