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
import type { WeightAverage } from './ema';
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

type NamedTensor = { name: string; tensor: tf.Tensor };

/** Tensors as <stem>.json (names, shapes, dtypes) and <stem>.bin (their float32/int32 bytes, in order). */
async function saveTensors(dir: string, stem: string, tensors: NamedTensor[]): Promise<void> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const { name, tensor } of tensors) {
    entries.push({ name, shape: tensor.shape, dtype: tensor.dtype as TensorEntry['dtype'] });
    const data = await tensor.data();
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  writeFileAtomic(join(dir, `${stem}.bin`), Buffer.concat(chunks));
  writeJsonAtomic(join(dir, `${stem}.json`), entries);
}

/** What saveTensors wrote, as fresh tensors the caller disposes; a damaged pair is refused naming the file. */
function loadTensors(dir: string, stem: string): NamedTensor[] {
  const entriesFile = join(dir, `${stem}.json`);
  const bytesFile = join(dir, `${stem}.bin`);
  const entries = readJsonFile<TensorEntry[]>(entriesFile);
  if (!Array.isArray(entries) || entries.some((e) => typeof e?.name !== 'string' || !Array.isArray(e.shape))) {
    throw new FileError(entriesFile, 'not a list of {name, shape, dtype} tensor entries');
  }
  const bytes = readFileNamed(bytesFile);
  const sizes = entries.map(({ shape }) => shape.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (bytes.length !== expected) {
    throw new FileError(bytesFile, `${bytes.length < expected ? 'truncated' : 'too long'}: ${stem}.json describes ${expected} bytes, the file has ${bytes.length}`);
  }
  let offset = 0;
  return entries.map(({ name, shape, dtype }, i) => {
    const slice = new Uint8Array(bytes.subarray(offset, offset + sizes[i] * 4)).buffer;
    offset += sizes[i] * 4;
    const values = dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name, tensor: tf.tensor(values, shape, dtype) };
  });
}

async function saveOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = [...(await optimizer.getWeights()), ...omittedState(optimizer)];
  await saveTensors(dir, 'optimizer', weights);
  // getWeights returns the optimizer's own variables plus a fresh iteration-count scalar, which is ours to free.
  weights.filter(({ tensor }) => !(tensor instanceof tf.Variable)).forEach(({ tensor }) => tensor.dispose());
}

async function loadOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = loadTensors(dir, 'optimizer');
  await optimizer.setWeights(weights.filter((w) => !isOmittedState(w.name)));
  restoreOmittedState(optimizer, weights.filter((w) => isOmittedState(w.name)));
  weights.forEach((w) => w.tensor.dispose());
}

/** The weight average of a run with `ema` on, next to the live weights it follows. */
const AVERAGE_STEM = 'weight-average';

export async function saveCheckpoint(runDir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: CheckpointState, average?: WeightAverage): Promise<void> {
  const final = join(runDir, CHECKPOINT_DIR);
  const fresh = `${final}.new`;
  const old = `${final}.old`;
  rmSync(fresh, { recursive: true, force: true });
  try {
    await saveModel(model, fresh);
    await saveOptimizer(optimizer, fresh);
    if (average) await saveTensors(fresh, AVERAGE_STEM, average.averages.map((tensor, i) => ({ name: model.weights[i].name, tensor })));
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

/** The weight average saved with a checkpoint (a run that turned `ema` on has one in every checkpoint). */
export function loadAverage(dir: string): tf.Tensor[] {
  return loadTensors(dir, AVERAGE_STEM).map(({ tensor }) => tensor);
}
