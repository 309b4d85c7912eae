import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildModel } from '../lib/models/registry';
import { VIT_PRESETS } from '../lib/models/vit';

const root = join(__dirname, '..');

test('the registry knows every architecture without lib/models/index.ts imported first', () => {
  // A fresh process: in this one another test file may have loaded the models already.
  const script = "const r = require('./lib/models/registry'); console.log(r.modelNames().join(',')); console.log(r.getModelSpec('cnn-small').family);";
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim().split('\n'), ['lenet5,cnn-small,classic-cnn,cnn-deep,cnn-simple,vit-tiny,vit-small', 'cnn']);
});

test("cnn-simple at width 32 is An et al.'s M3: ten valid 3×3 convolutions to 8×8×176, no pooling, one dense layer", () => {
  const model = buildModel('cnn-simple', { width: 32 });
  const convs = model.layers.filter((layer) => layer.getClassName() === 'Conv2D');
  assert.equal(convs.map((layer) => (layer.outputShape as number[])[3]), [32, 48, 64, 80, 96, 112, 128, 144, 160, 176]);
  assert.equal(convs[convs.length - 1].outputShape, [null, 8, 8, 176]);
  assert.not.ok(model.layers.some((layer) => /Pooling/.test(layer.getClassName())));
  const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense');
  assert.equal(dense.map((layer) => layer.getWeights().map((w) => w.shape)), [[[11264, 10]]]);
  model.dispose();
});

/** bench/torch_reference.py's VIT_PRESETS entries, `'name': dict(key=value, ...)`, with the keys in camelCase. */
function torchVitPresets(): Record<string, Record<string, number | string>> {
  const source = readFileSync(join(root, 'bench/torch_reference.py'), 'utf8');
  const block = /^VIT_PRESETS = \{\n([\s\S]*?)^\}/m.exec(source);
  assert.ok(block, 'bench/torch_reference.py has no VIT_PRESETS = { ... } block');
  const presets: Record<string, Record<string, number | string>> = {};
  for (const [, name, args] of block[1].matchAll(/'([\w-]+)': dict\(([^)]*)\)/g)) {
    presets[name] = Object.fromEntries(
      args.split(',').map((pair) => {
        const [key, value] = pair.split('=').map((part) => part.trim());
        const camel = key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
        return [camel, /^'.*'$/.test(value) ? value.slice(1, -1) : Number(value)];
      }),
    );
  }
  return presets;
}

test("the PyTorch reference's ViT presets are lib/models/vit.ts's", () => {
  assert.equal(torchVitPresets(), VIT_PRESETS);
});

test.run();
