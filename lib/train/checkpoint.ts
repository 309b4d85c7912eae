/**
 * Per-epoch checkpoints: model weights, optimizer state and the metrics so far, written to a fresh
 * directory and swapped in by rename, so a run killed at any moment keeps its last complete epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, renameSync, rmSync } from 'fs';
import { join } from 'path';
import { loadModel, saveModel } from '../models/io';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { FileError, readFileNamed, readJsonFile } from '../util/files';
import { isOmittedState, omittedState, restoreOmittedState } from './optimizer';
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
  const weights = [...(await optimizer.getWeights()), ...omittedState(optimizer)];
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
  const entriesFile = join(dir, 'optimizer.json');
  const bytesFile = join(dir, 'optimizer.bin');
  const entries = readJsonFile<TensorEntry[]>(entriesFile);
  if (!Array.isArray(entries) || entries.some((e) => typeof e?.name !== 'string' || !Array.isArray(e.shape))) {
    throw new FileError(entriesFile, 'not a list of {name, shape, dtype} tensor entries');
  }
  const bytes = readFileNamed(bytesFile);
  const sizes = entries.map(({ shape }) => shape.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (bytes.length !== expected) {
    throw new FileError(bytesFile, `${bytes.length < expected ? 'truncated' : 'too long'}: optimizer.json describes ${expected} bytes, the file has ${bytes.length}`);
  }
  let offset = 0;
  const weights = entries.map(({ name, shape, dtype }, i) => {
    const slice = new Uint8Array(bytes.subarray(offset, offset + sizes[i] * 4)).buffer;
    offset += sizes[i] * 4;
    const values = dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name, tensor: tf.tensor(values, shape, dtype) };
  });
  await optimizer.setWeights(weights.filter((w) => !isOmittedState(w.name)));
  restoreOmittedState(optimizer, weights.filter((w) => isOmittedState(w.name)));
  weights.forEach((w) => w.tensor.dispose());
}

export async function saveCheckpoint(runDir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: CheckpointState): Promise<void> {
  const final = join(runDir, CHECKPOINT_DIR);
  const fresh = `${final}.new`;
  const old = `${final}.old`;
  rmSync(fresh, { recursive: true, force: true });
  try {
    await saveModel(model, fresh);
    await saveOptimizer(optimizer, fresh);
    writeJsonAtomic(join(fresh, 'state.json'), state);
  } catch (err) {
    // A full disk: leave no half-made checkpoint.new behind, the previous checkpoint stays the one to resume.
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  }
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
  const stateFile = join(dir, 'state.json');
  const state = readJsonFile<CheckpointState>(stateFile);
  if (!Number.isInteger(state?.epochsDone) || !Array.isArray(state.metrics)) throw new FileError(stateFile, 'not a checkpoint state (epochsDone, metrics)');
  const model = await loadModel(dir);
  try {
    await loadOptimizer(optimizer, dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, state };
}
