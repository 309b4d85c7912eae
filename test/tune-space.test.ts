import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { modelNames } from '../lib/models';
import { RECIPES } from '../lib/train/recipes';
import { choice, defineSpace, gridSize, gridTrials, int, loadSpace, loguniform, makePlan, parseSpace, randomTrials, trialConfig, uniform } from '../lib/tune';

const base = { model: 'cnn-small', params: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } } };

function rejects(space: unknown, pattern: RegExp) {
  assert.throws(() => parseSpace(space), (err: Error) => pattern.test(err.message), `expected ${pattern}`);
}

test('parses a space and applies fixed, searched and model options to the trial config', () => {
  const space = parseSpace({
    model: 'cnn-small',
    fixed: { trainLimit: 5000, 'model.dropout': 0.1 },
    params: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 }, 'model.width': { type: 'int', low: 8, high: 32, step: 8 } },
  });
  const config = trialConfig(space, { lr: 0.002, 'model.width': 16 }, { epochs: 3, seed: 7 });
  assert.is(config.model, 'cnn-small');
  assert.is(config.lr, 0.002);
  assert.is(config.epochs, 3);
  assert.is(config.seed, 7);
  assert.is(config.trainLimit, 5000);
  assert.is(config.labelSmoothing, RECIPES['cnn-small'].labelSmoothing, "the model's recipe fills what the space leaves out");
  assert.equal(config.modelOptions, { dropout: 0.1, width: 16 });
  assert.is(trialConfig(space, { lr: 0.002, 'model.width': 16 }, { epochs: 3, seed: 7, trainLimit: 800 }).trainLimit, 800, 'the sweep setting wins');
});

test('validation errors name the key and the problem', () => {
  rejects({ ...base, params: { optimizer: { type: 'choice', values: [] } } }, /params\.optimizer: choice needs a non-empty "values"/);
  rejects({ ...base, params: { lr: { type: 'uniform', low: 0.1, high: 0.01 } } }, /params\.lr: low must be below high, got low 0\.1 ≥ high 0\.01/);
  rejects({ ...base, params: { weightDecay: { type: 'loguniform', low: 0, high: 0.1 } } }, /params\.weightDecay: a log range needs low > 0/);
  rejects({ ...base, params: { lrr: { type: 'uniform', low: 0.1, high: 1 } } }, /params\.lrr: unknown option "lrr"/);
  rejects({ ...base, fixed: { bachSize: 32 } }, /fixed\.bachSize: unknown option "bachSize"/);
  rejects({ ...base, params: { 'model.widht': { type: 'choice', values: [16, 32] } } }, /params\.model\.widht: model cnn-small has no option "widht" \(its options: width, dropout\)/);
  rejects({ model: 'lenet5', params: { 'model.width': { type: 'choice', values: [16, 32] } } }, /model lenet5 has no option "width" \(it has no options\)/);
  rejects({ ...base, params: { lr: { type: 'normal', low: 0, high: 1 } } }, /params\.lr: type must be one of choice, int, uniform, loguniform/);
  rejects({ ...base, params: { lr: { type: 'uniform', low: 0.1, high: 1, step: 2 } } }, /params\.lr: unknown field\(s\) step/);
  rejects({ ...base, params: { batchSize: { type: 'uniform', low: 16, high: 128 } } }, /params\.batchSize: batchSize takes integers/);
  rejects({ ...base, params: { 'model.width': { type: 'int', low: 8, high: 16, step: 16 } } }, /params\.model\.width\.step: 16 is larger than the range/);
  rejects({ ...base, params: { optimizer: { type: 'choice', values: ['adam', 'rmsprop'] } } }, /params\.optimizer: optimizer must be one of adam, adamw, sgd, got rmsprop/);
  rejects({ ...base, params: { labelSmoothing: { type: 'uniform', low: 0, high: 1 } } }, /params\.labelSmoothing: labelSmoothing must be in \[0, 1\), got 1/);
  rejects({ ...base, params: { augment: { type: 'choice', values: [true, 'yes'] } } }, /params\.augment\.values\[1\]: expected a boolean, got "yes"/);
  rejects({ ...base, params: { epochs: { type: 'int', low: 1, high: 5 } } }, /params\.epochs: cannot be set in a space — epochs is the sampler budget/);
  rejects({ ...base, params: { valFraction: { type: 'uniform', low: 0.1, high: 0.2 } } }, /params\.valFraction: cannot be searched/);
  rejects({ ...base, fixed: { valFraction: 0 } }, /valFraction must be > 0/);
  rejects({ ...base, fixed: { lr: 0.1 } }, /params\.lr: also set in fixed/);
  rejects({ ...base, model: 'nope' }, /model: unknown model "nope"/);
  rejects({ ...base, params: {} }, /"params" must be an object with at least one parameter/);
  rejects({ ...base, sampler: 'grid' }, /unknown top-level key\(s\) sampler/);
});

test('TypeScript helpers build the same space as JSON', () => {
  const fromHelpers = defineSpace({ model: 'cnn-small', params: { lr: loguniform(1e-4, 1e-2), batchSize: choice([32, 64]), 'model.width': int(8, 32, 8), 'model.dropout': uniform(0, 0.5) } });
  const fromJson = parseSpace({
    model: 'cnn-small',
    params: {
      lr: { type: 'loguniform', low: 1e-4, high: 1e-2 },
      batchSize: { type: 'choice', values: [32, 64] },
      'model.width': { type: 'int', low: 8, high: 32, step: 8 },
      'model.dropout': { type: 'uniform', low: 0, high: 0.5 },
    },
  });
  assert.equal(fromHelpers, fromJson);
});

test('grid enumerates every combination, last parameter fastest', () => {
  const space = defineSpace({ model: 'cnn-small', params: { batchSize: choice([32, 64]), 'model.width': int(8, 24, 8), lr: loguniform(1e-4, 1e-2) } });
  assert.is(gridSize(space), 2 * 3 * 3);
  const grid = gridTrials(space);
  assert.is(grid.length, 18);
  assert.equal(grid[0], { batchSize: 32, 'model.width': 8, lr: 0.0001 });
  assert.equal(grid[1], { batchSize: 32, 'model.width': 8, lr: 0.001 });
  assert.equal(grid[2], { batchSize: 32, 'model.width': 8, lr: 0.01 });
  assert.equal(grid[3], { batchSize: 32, 'model.width': 16, lr: 0.0001 });
  assert.equal(grid[17], { batchSize: 64, 'model.width': 24, lr: 0.01 });
  assert.is(new Set(grid.map((g) => JSON.stringify(g))).size, 18, 'no duplicates');
  assert.equal(gridTrials(space, 4), grid.slice(0, 4));
  assert.throws(() => makePlan(space, { sampler: 'grid', trials: 19, seed: 0, maxEpochs: 1 }), /19 trials asked of a grid of 18 combinations/);
});

test('random sampling: same seed, same trials; another seed, other trials; values within range', () => {
  const space = defineSpace({
    model: 'cnn-small',
    params: { lr: loguniform(1e-4, 1e-2), 'model.dropout': uniform(0, 0.5), 'model.width': int(8, 64, 8), optimizer: choice(['adam', 'sgd']) },
  });
  const a = randomTrials(space, 50, 1);
  assert.equal(randomTrials(space, 50, 1), a);
  assert.not.equal(randomTrials(space, 50, 2), a);
  assert.equal(randomTrials(space, 10, 1), a.slice(0, 10), 'asking for fewer trials gives a prefix of the same sequence');
  for (const t of a) {
    assert.ok((t.lr as number) >= 1e-4 && (t.lr as number) <= 1e-2);
    assert.ok((t['model.dropout'] as number) >= 0 && (t['model.dropout'] as number) <= 0.5);
    assert.ok([8, 16, 24, 32, 40, 48, 56, 64].includes(t['model.width'] as number));
  }
  const decades = new Set(a.map((t) => Math.floor(Math.log10(t.lr as number))));
  assert.equal([...decades].sort(), [-3, -4], 'loguniform covers each decade');
  assert.equal(new Set(a.map((t) => t.optimizer)).size, 2);
});

test('shipped spaces parse (vit-tiny once its model is registered)', () => {
  const dir = join(__dirname, '..', 'spaces');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const model = JSON.parse(readFileSync(join(dir, file), 'utf8')).model;
    if (modelNames().includes(model)) {
      const space = loadSpace(join(dir, file));
      assert.ok(Object.keys(space.params).length > 0, file);
    } else {
      assert.throws(() => loadSpace(join(dir, file)), new RegExp(`unknown model "${model}"`));
    }
  }
});

test.run();
