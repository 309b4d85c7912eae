/**
 * The threaded WASM engine (lib/backend/wasm-threaded.ts): it loads with the thread count asked for,
 * runs the same kernels as plain wasm with the same numbers, trains deterministically, leaks nothing,
 * and lets the process exit.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../lib/backend/select';
import { WASM_TRAINING_KERNELS } from '../lib/backend/wasm-kernels';
import { threadedWorkerScript, WASM_THREADED } from '../lib/backend/wasm-threaded';
import { registerWasmVariant } from '../lib/backend/wasm-variant';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { PROJECT_ROOT } from '../lib/util/paths';
import { mnistSubset, rejects } from './helpers';

type Engine = 'cpu' | 'wasm' | 'wasm-threaded';

const poolSize = () => (tf.backend() as unknown as BackendWasm).wasm.tfjs.getThreadsCount();

/** Seeded values in [-1, 1), the same on every backend. */
const rand = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Runs `make` on one engine (threaded: 2 threads) and returns its outputs as plain arrays. */
async function runOn(engine: Engine, make: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(engine, { threads: 2 });
  const out = tf.tidy(make);
  const values = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  return values;
}

/** max |a - b| over max(1, max |b|), over all outputs. */
function relativeError(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  b.forEach((expected, k) => {
    assert.is(a[k].length, expected.length, `length of output ${k}`);
    const scale = Math.max(1, ...expected.map(Math.abs));
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(a[k][i] - expected[i]) / scale);
  });
  return worst;
}

/** Big enough that XNNPACK splits every product across the pool. */
const WORKLOADS: Record<string, () => tf.Tensor[]> = {
  'conv2d same, stride 1': () => [tf.conv2d(rand([8, 14, 14, 16], 1) as tf.Tensor4D, rand([3, 3, 16, 32], 2) as tf.Tensor4D, 1, 'same')],
  'conv2d valid, stride 2': () => [tf.conv2d(rand([5, 15, 15, 8], 3) as tf.Tensor4D, rand([5, 5, 8, 24], 4) as tf.Tensor4D, 2, 'valid')],
  'matMul, all transposes': () => {
    const [a, b] = [rand([96, 80], 5), rand([80, 96], 6)];
    return [tf.matMul(a, b), tf.matMul(a, b, true, true), tf.matMul(a, a, false, true), tf.matMul(b, b, true, false)];
  },
  'batched matMul': () => [tf.matMul(rand([6, 40, 24], 7), rand([6, 40, 32], 8), true, false)],
  'training kernels (gradients of conv, max-pool, dense, gather)': () => {
    const [x, w, v] = [rand([6, 12, 12, 3], 9), rand([3, 3, 3, 8], 10), rand([288, 10], 11)];
    const table = rand([20, 16], 12);
    const ids = tf.tensor1d([3, 1, 3, 19, 0], 'int32');
    const loss = (wi: tf.Tensor, vi: tf.Tensor, ti: tf.Tensor) => {
      const h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
      return tf.add(tf.matMul(tf.reshape(h, [6, 288]), vi as tf.Tensor2D).square().sum(), tf.gather(ti, ids).sum());
    };
    return tf.grads(loss)([w, v, table]);
  },
};

test('wasm-threaded loads with the threads asked for, under its own name, with every wasm kernel', async () => {
  const info = await initBackend(WASM_THREADED, { threads: 2 });
  assert.is(tf.getBackend(), WASM_THREADED);
  assert.is(info.name, WASM_THREADED);
  assert.is(info.threads, 2);
  assert.is(poolSize(), 2);
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    assert.is(tf.getKernel(kernel.kernelName, WASM_THREADED)?.kernelFunc, kernel.kernelFunc, kernel.kernelName);
  }
  for (const name of WASM_TRAINING_KERNELS) assert.ok(tf.getKernel(name, WASM_THREADED), name);

  const single = await initBackend(WASM_THREADED, { threads: 1 });
  assert.is(single.threads, 1);
  assert.is(poolSize(), 1);
});

test('registerWasmVariant gives a variant every wasm kernel, ours included, and keeps the ones it registered itself', () => {
  const name = 'wasm-variant-under-test';
  const own = () => {
    throw new Error('never run here');
  };
  for (const kernelName of [tf.Conv2D, tf.Conv2DBackpropFilter]) tf.registerKernel({ kernelName, backendName: name, kernelFunc: own });
  registerWasmVariant(name, () => Promise.reject(new Error('never built here')));
  registerWasmVariant(name, () => Promise.reject(new Error('never built here'))); // again: a rebuild
  assert.is(tf.getKernel(tf.Conv2D, name)?.kernelFunc, own);
  assert.is(tf.getKernel(tf.Conv2DBackpropFilter, name)?.kernelFunc, own);
  for (const kernelName of [tf.Relu, tf.BatchMatMul, tf.Conv2DBackpropInput, tf.UnsortedSegmentSum]) {
    assert.is(tf.getKernel(kernelName, name)?.kernelFunc, tf.getKernel(kernelName, 'wasm')?.kernelFunc, kernelName);
  }
  tf.removeBackend(name);
  for (const kernel of tf.getKernelsForBackend(name)) tf.unregisterKernel(kernel.kernelName, name);
});

test('a thread count the build cannot run is a clear error', async () => {
  await rejects(() => initBackend(WASM_THREADED, { threads: 0 }), /threads must be an integer from 1 to 8 for backend "wasm-threaded", got 0/);
  await rejects(() => initBackend(undefined, { threads: 9 }), /threads must be an integer from 1 to 8/);
  await rejects(() => initBackend(WASM_THREADED, { threads: 1.5 }), /got 1\.5/);
});

test('conv2d, matMul and the training kernels give plain wasm’s numbers, and cpu’s within 1e-5', async () => {
  for (const [what, make] of Object.entries(WORKLOADS)) {
    const threaded = await runOn(WASM_THREADED, make);
    const wasm = await runOn('wasm', make);
    const cpu = await runOn('cpu', make);
    const again = await runOn(WASM_THREADED, make); // after switching away and back
    assert.ok(relativeError(threaded, wasm) <= 1e-5, `${what}: threaded vs wasm ${relativeError(threaded, wasm)}`);
    assert.ok(relativeError(threaded, cpu) <= 1e-5, `${what}: threaded vs cpu ${relativeError(threaded, cpu)}`);
    assert.equal(again, threaded, `${what}: not repeatable`);
  }
});

const tempRun = () => join(mkdtempSync(join(tmpdir(), 'pixelwise-mt-')), 'run');
const small = (backend: Engine) =>
  resolveConfig({ model: 'cnn-small', epochs: 2, batchSize: 32, lr: 0.003, modelOptions: { width: 8 }, valFraction: 0.1, backend });

test('a short training on wasm-threaded gives the same metrics run after run, and as plain wasm', async () => {
  const data = await mnistSubset(300, 100);
  await initBackend(WASM_THREADED, { threads: 2 });
  const a = await trainRun(small(WASM_THREADED), { runDir: tempRun(), data });
  const b = await trainRun(small(WASM_THREADED), { runDir: tempRun(), data });
  const plain = await trainRun(small('wasm'), { runDir: tempRun(), data });
  const strip = (r: typeof a) => r.metrics.map(({ seconds, ...m }) => m);
  assert.equal(strip(a), strip(b));
  assert.equal(a.summary.confusionMatrix, b.summary.confusionMatrix);
  assert.equal(strip(a), strip(plain));
  assert.is(JSON.parse(readFileSync(join(a.runDir, 'config.json'), 'utf8')).backend.threads, 2);
  [a, b, plain].forEach((r) => r.model.dispose());
});

test('training steps on wasm-threaded leave the tensor count and the heap’s tensors flat', async () => {
  await initBackend(WASM_THREADED, { threads: 2 });
  const [x, y] = [rand([16, 28, 28, 1], 13), tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], 'int32'), 10)];
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const counts = [];
  for (let step = 0; step < 4; step++) {
    await model.trainOnBatch(x, y);
    counts.push([tf.memory().numTensors, (tf.backend() as unknown as BackendWasm).numDataIds()]);
  }
  assert.equal(counts[3], counts[1], `tensors per step: ${JSON.stringify(counts)}`);
  model.dispose();
  tf.dispose([x, y]);
});

test('a process that trains on wasm-threaded exits by itself', () => {
  const script = `
    const tf = require('@tensorflow/tfjs');
    const { initBackend } = require('./lib/backend/select');
    initBackend('wasm-threaded', { threads: 2 }).then(async (info) => {
      const w = tf.variable(tf.randomUniform([3, 3, 4, 8], -1, 1, 'float32', 1));
      const x = tf.randomUniform([4, 16, 16, 4], -1, 1, 'float32', 2);
      tf.train.sgd(0.1).minimize(() => tf.conv2d(x, w, 1, 'same').square().mean());
      process.stdout.write('trained on ' + tf.getBackend() + ' with ' + info.threads + ' threads');
    });`;
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.is(child.signal, null, 'killed at the timeout: a worker kept the process alive');
  assert.is(child.status, 0, child.stderr);
  assert.match(child.stdout, 'trained on wasm-threaded with 2 threads');
});

test('a tampered worker script in the temp directory is rewritten before use', () => {
  const file = threadedWorkerScript();
  writeFileSync(file, 'process.exit(1)');
  assert.is(threadedWorkerScript(), file);
  assert.match(readFileSync(file, 'utf8'), /^"use strict";var Module=\{\}/);
});

test.run();
