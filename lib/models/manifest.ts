/**
 * Reads and checks a saved model's model.json and weight files without building anything (no tfjs needed):
 * a missing manifest, an absent weight file or one shorter than the manifest promises is refused naming the file.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'fs';
import { join } from 'path';
import { FileError, readFileNamed, readJsonFile } from '../util/files';

export const MODEL_FILE = 'model.json';

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, uint8: 1, bool: 1, float16: 2 };

export interface SavedModel {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** Weight file names relative to the model directory, in manifest order. */
  weightFiles: string[];
}

export function readSavedModel(dir: string): SavedModel {
  const jsonFile = join(dir, MODEL_FILE);
  if (!existsSync(jsonFile)) throw new FileError(jsonFile, 'no saved model here');
  const manifest = readJsonFile<{ modelTopology?: object; weightsManifest?: tf.io.WeightsManifestConfig }>(jsonFile);
  if (typeof manifest?.modelTopology !== 'object' || manifest.modelTopology === null) throw new FileError(jsonFile, 'no modelTopology: not a saved layers model');
  const groups = manifest.weightsManifest;
  if (!Array.isArray(groups) || groups.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights))) {
    throw new FileError(jsonFile, 'no weightsManifest (a list of {paths, weights}): not a saved layers model');
  }
  return { modelTopology: manifest.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightFiles: groups.flatMap((g) => g.paths) };
}

/** The weight bytes, concatenated; refuses a file that is missing or whose size does not match the manifest. */
export function readWeightData(dir: string, saved: SavedModel): ArrayBuffer {
  const buffers = saved.weightFiles.map((name) => readFileNamed(join(dir, name)));
  const expected = saved.weightSpecs.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * (BYTES_PER_VALUE[w.dtype] ?? 4), 0);
  const actual = buffers.reduce((sum, b) => sum + b.length, 0);
  if (actual !== expected) {
    const last = join(dir, saved.weightFiles[saved.weightFiles.length - 1] ?? 'weights.bin');
    throw new FileError(last, `${actual < expected ? 'truncated' : 'too long'}: model.json lists ${expected} bytes of weights, found ${actual}`);
  }
  return new Uint8Array(Buffer.concat(buffers)).buffer;
}
