/**
 * Digit sets that are not 28×28 work through --data like MNIST: models are built for the data's image size,
 * the size is recorded in the run, and evaluate and predict use the run's size.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCommand, tempDir, writeDataset } from './bad-input';
import { mnistSubset } from './helpers';

async function digitPng(file: string): Promise<void> {
  const { test: set } = await mnistSubset(1, 1);
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) png.data.set([255 - set.images[p], 255 - set.images[p], 255 - set.images[p], 255], p * 4);
  writeFileSync(file, PNG.sync.write(png));
}

for (const [side, model, options] of [
  [32, 'cnn-small', ['width=4']],
  [16, 'lenet5', []],
  [32, 'vit-tiny', ['patchSize=8', 'dim=16', 'heads=2', 'depth=1']],
] as const) {
  test(`${model} trains on ${side}×${side} digits, records the size, and evaluate and predict use it`, async () => {
    const data = await writeDataset({ train: 240, test: 60, side });
    const run = join(tempDir('size'), 'run');
    const trained = await runCommand('train.ts', ['--model', model, '--epochs', '1', '--backend', 'wasm', '--data', data, '--run-dir', run, ...options.flatMap((o) => ['--model-option', o])]);
    assert.is(trained.code, 0, trained.stderr);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.equal(config.data.image, { height: side, width: side });
    const topology = JSON.parse(readFileSync(join(run, 'model', 'model.json'), 'utf8')).modelTopology;
    assert.match(JSON.stringify(topology), new RegExp(`"batch_input_shape":\\[null,${side},${side},1\\]`));

    const evaluated = await runCommand('evaluate.ts', ['--run', run, '--backend', 'wasm']);
    assert.is(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /on 60 images/);

    const image = join(tempDir('size-image'), 'digit.png');
    await digitPng(image);
    const predicted = await runCommand('predict.ts', ['--run', run, '--backend', 'wasm', image]);
    assert.is(predicted.code, 0, predicted.stderr);
    const line = JSON.parse(predicted.stdout);
    assert.ok(Number.isInteger(line.digit) && line.probabilities.length === 10);
  });
}

test.run();
