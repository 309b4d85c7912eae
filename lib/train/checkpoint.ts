/**
 * Per-epoch checkpoints: model weights, optimizer state and the metrics so far, written to a fresh
 * directory and swapped in by rename, so a run killed at any moment keeps its last complete epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, renameSync, rmSync } from 'fs';
import { join } from 'path';
import { loadModel, saveModel } from '../models/io';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import type { EpochMetrics } from './types';

export interface CheckpointState {
  epochsDone: number;
  metrics: EpochMetrics[];
  trainSeconds: number;
  trainedSamples: number;
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export const CHECKPOINT_DIR = 'checkpoint';

async function saveOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const { name, tensor } of weights) {
    entries.push({ name, shape: tensor.shape, dtype: tensor.dtype as TensorEntry['dtype'] });
    const data = await tensor.data();
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  // getWeights returns the optimizer's own variables plus a fresh iteration-count scalar, which is ours to free.
  weights.filter(({ tensor }) => !(tensor instanceof tf.Variable)).forEach(({ tensor }) => tensor.dispose());
  writeFileAtomic(join(dir, 'optimizer.bin'), Buffer.concat(chunks));
  writeJsonAtomic(join(dir, 'optimizer.json'), entries);
}

async function loadOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const entries: TensorEntry[] = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8'));
  const bytes = readFileSync(join(dir, 'optimizer.bin'));
  let offset = 0;
  const weights = entries.map(({ name, shape, dtype }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slice = new Uint8Array(bytes.subarray(offset, offset + size * 4)).buffer;
    offset += size * 4;
    const values = dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name, tensor: tf.tensor(values, shape, dtype) };
  });
  await optimizer.setWeights(weights);
  weights.forEach((w) => w.tensor.dispose());
}

export async function saveCheckpoint(runDir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: CheckpointState): Promise<void> {
  const final = join(runDir, CHECKPOINT_DIR);
  const fresh = `${final}.new`;
  const old = `${final}.old`;
  rmSync(fresh, { recursive: true, force: true });
  await saveModel(model, fresh);
  await saveOptimizer(optimizer, fresh);
  writeJsonAtomic(join(fresh, 'state.json'), state);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(final)) renameSync(final, old);
  renameSync(fresh, final);
  rmSync(old, { recursive: true, force: true });
}

/** The last complete checkpoint (falling back to the previous one if a swap was interrupted). */
export function findCheckpoint(runDir: string): string | undefined {
  for (const dir of [CHECKPOINT_DIR, `${CHECKPOINT_DIR}.old`].map((d) => join(runDir, d))) {
    if (existsSync(join(dir, 'state.json'))) return dir;
  }
  return undefined;
}

export async function loadCheckpoint(dir: string, optimizer: tf.Optimizer): Promise<{ model: tf.LayersModel; state: CheckpointState }> {
  const model = await loadModel(dir);
  await loadOptimizer(optimizer, dir);
  const state: CheckpointState = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  return { model, state };
}
