/**
 * Saves and loads a LayersModel as model.json + weights.bin: the format tf.loadLayersModel reads in a browser.
 * (@tensorflow/tfjs has no file:// handler without tfjs-node, so this is the Node side of that format.)
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
// Registers the ViT's custom layers, without which a saved ViT cannot be deserialised.
import './vit-layers';

const WEIGHTS_FILE = 'weights.bin';

export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      // Weights first: model.json is the file that marks the model complete.
      writeFileAtomic(join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      writeJsonAtomic(join(dir, 'model.json'), {
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
  const jsonFile = join(dir, 'model.json');
  if (!existsSync(jsonFile)) throw new Error(`${jsonFile}: no saved model here`);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(jsonFile, 'utf8'));
  } catch (err) {
    throw new Error(`${jsonFile}: not valid JSON (${(err as Error).message})`);
  }
  const groups: tf.io.WeightsManifestConfig = manifest.weightsManifest;
  const specs = groups.flatMap((group) => group.weights);
  const buffers = groups.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: specs, weightData }));
}
