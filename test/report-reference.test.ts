/**
 * The committed reference runs: the README's model table is generated from them, every registered model has
 * one, the default run is chosen on validation accuracy, and the best one's test figure reproduces exactly.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { resolveConfig } from '../lib/train/config';
import { evaluateRun } from '../lib/train/evaluate-run';
import { modelNames } from '../lib/models/registry';
import { bestReferenceRun, describeRecipe, modelTable, promoteToReference, README_FILE, referenceRuns, withModelTable } from '../lib/report/reference';
import { REFERENCE_DIR } from '../lib/util/paths';
import { rejects } from './helpers';

test("the README's model table is the one npm run models -- --readme generates from results/reference", () => {
  const readme = readFileSync(README_FILE, 'utf8');
  assert.is(withModelTable(readme, modelTable(referenceRuns())), readme, 'run npm run models -- --readme');
  assert.throws(() => withModelTable('# no table here', 'x'), /no model table markers/);
});

test('every registered model has a reference run with its model, and so does an ensemble of them', () => {
  const runs = referenceRuns();
  for (const name of modelNames()) {
    const run = runs.find((r) => r.config.model === name);
    assert.ok(run, `no reference run of ${name} in ${REFERENCE_DIR}`);
    assert.ok(existsSync(join(run!.dir, 'model', 'model.json')), `${run!.dir}: no model/`);
    assert.is(run!.summary.testLoss > 0 && run!.metrics.length, run!.summary.epochs, `${name}: metrics.jsonl has every epoch`);
    assert.ok(!existsSync(join(run!.dir, 'checkpoint')), `${run!.dir}: the checkpoint is not part of a reference run`);
  }
  assert.ok(runs.some((r) => r.summary.family === 'ensemble'), 'no reference ensemble');
});

test("a recipe's description names the model's options and the teacher it was distilled from", () => {
  const config = resolveConfig({ model: 'vit-tiny', modelOptions: { patchSize: 4, depth: 6 }, teacher: '/x/results/reference/cnn-deep', distillTemperature: 3 });
  const recipe = describeRecipe(config);
  assert.ok(recipe.startsWith('patchSize 4 depth 6, 15 epochs, adamw 0.002 cosine'), recipe);
  assert.ok(recipe.endsWith('EMA 0.999, distilled from cnn-deep (weight 0.5, T 3)'), recipe);
  assert.not.match(describeRecipe(resolveConfig({ model: 'vit-tiny' })), /distilled|patchSize/);
});

test('the default run is the single model of best validation accuracy, whatever its test accuracy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-reference-'));
  const fake = (name: string, valAccuracy: number, testAccuracy: number, model = true) => {
    mkdirSync(join(dir, name, 'model'), { recursive: true });
    writeFileSync(join(dir, name, 'config.json'), JSON.stringify({ config: { model: name } }));
    writeFileSync(join(dir, name, 'summary.json'), JSON.stringify({ model: name, params: 1, valAccuracy, testAccuracy }));
    if (model) writeFileSync(join(dir, name, 'model', 'model.json'), '{}');
  };
  fake('a', 0.991, 0.999);
  fake('b', 0.995, 0.990);
  fake('ensemble', 0.999, 0.999, false);
  assert.is(bestReferenceRun(dir)!.name, 'b');
  assert.is(bestReferenceRun(join(dir, 'nowhere')), undefined);
});

test('promoting a run copies its record and model, not its checkpoint, and replaces an earlier reference whole', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pixelwise-promote-'));
  const source = referenceRuns().find((r) => r.config.model === 'lenet5')!.dir;
  const run = join(root, 'run');
  cpSync(source, run, { recursive: true });
  mkdirSync(join(run, 'checkpoint'));
  const target = promoteToReference(run, 'lenet5', join(root, 'reference'));
  assert.ok(existsSync(join(target, 'model', 'model.json')));
  assert.not.ok(existsSync(join(target, 'checkpoint')));
  writeFileSync(join(target, 'stale.json'), '{}');
  promoteToReference(run, 'lenet5', join(root, 'reference'));
  assert.not.ok(existsSync(join(target, 'stale.json')));
  await rejects(async () => promoteToReference(root, 'x', join(root, 'reference')), /not a finished run \(no summary\.json\)/);
});

test('npm run evaluate on the default reference run reproduces its test accuracy exactly, on the engine that trained it', async () => {
  const best = bestReferenceRun()!;
  const engine = best.summary.backend as Parameters<typeof initBackend>[0];
  try {
    await initBackend(engine, { threads: best.config.threads });
  } catch (err) {
    if (process.env.PIXELWISE_REQUIRE_ONEDNN) throw err;
    process.stderr.write(`report-reference: ${best.name} was trained on ${engine}, not available here: not reproduced\n`);
    return;
  }
  const { evaluation } = await evaluateRun(best.dir);
  assert.is(evaluation.accuracy, best.summary.testAccuracy);
  assert.is(evaluation.loss.toFixed(6), best.summary.testLoss.toFixed(6));
});

test.run();
