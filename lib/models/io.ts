/**
 * Saves and loads a LayersModel as model.json + weights.bin: the format tf.loadLayersModel reads in a browser.
 * (@tensorflow/tfjs has no file:// handler without tfjs-node, so this is the Node side of that format.)
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { FileError } from '../util/files';
import { MODEL_FILE, readSavedModel, readWeightData } from './manifest';
// Registers the ViT's custom layers, without which a saved ViT cannot be deserialised.
import './vit-layers';

const WEIGHTS_FILE = 'weights.bin';

export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      // Weights first: model.json is the file that marks the model complete.
      writeFileAtomic(join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      writeJsonAtomic(join(dir, MODEL_FILE), {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    }),
  );
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const saved = readSavedModel(dir);
  const weightData = readWeightData(dir, saved);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs, weightData }));
  } catch (err) {
    // tfjs's messages run on for sentences ("Unknown layer: Bogus. This may be due to..."): keep the first.
    const reason = (err as Error).message.split('\n')[0].split('. ')[0];
    throw new FileError(join(dir, MODEL_FILE), `cannot rebuild the model (${reason})`);
  }
}
