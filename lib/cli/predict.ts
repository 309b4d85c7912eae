/** npm run predict — reads digit images (PNG, JPEG), preprocesses them MNIST-style and prints a trained model's predictions. */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import { argmaxRows, predictProbabilities } from '../eval/evaluate';
import { NUM_CLASSES } from '../eval/metrics';
// The models index also registers the ViT's custom layers, which loading a saved ViT needs.
import { loadModel, modelImageSize } from '../models';
import { fromMnistArray, ImageError, preprocessImage, toGrayscale } from '../preprocess';
import { readImageFile } from '../preprocess/decode';
import { choiceOption, intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run predict -- --run DIR [options] IMAGE...

  --run DIR      a run directory written by npm run train (or any directory holding a saved model.json)
  --top K        also list the K most probable digits
  --pretty       one human-readable line per image instead of JSON
  --raw          the images are already MNIST-style (the model's size, 28×28 for MNIST; white digit on black): no preprocessing
  --backend B    ${BACKEND_ORDER.join(' | ')}

Each IMAGE (PNG or JPEG) is turned into an MNIST-style input: greyscale, inverted if dark on light,
denoised, cropped to the digit, fitted into 20×20 and centred by centre of mass in 28×28.

Prints one JSON line per image, in argument order:
  {"file": "a.png", "digit": 7, "confidence": 0.98, "probabilities": [10 numbers, digits 0..9]}
with "top": [{"digit", "probability"}, ...] added by --top K. An image that cannot be read, is not a
PNG/JPEG or holds no digit gets {"file": "a.png", "error": "..."} in its place (with --pretty, a
"file: error: ..." line on stderr). The other images are still predicted; the exit status is then 1.
`;

/** Six decimals keep the lines short; the digit is chosen from the unrounded probabilities. */
const round = (p: number) => Number(p.toFixed(6));

function modelDirOf(run: string): string {
  if (!existsSync(run)) throw new Error(`${run}: no such run directory`);
  for (const dir of [join(run, 'model'), run]) if (existsSync(join(dir, 'model.json'))) return dir;
  throw new Error(`${run}: no saved model here (expected model/model.json of a finished run)`);
}

async function loadDigitModel(dir: string): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    model = await loadModel(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot load the model (${(err as Error).message.split('\n')[0]})`);
  }
  // Any square size: a run trained on 16×16 or 32×32 digits predicts at its own size.
  const [, height, width, channels] = model.inputs[0].shape;
  const output = model.outputs[0].shape.slice(1).join('×');
  if (!height || height !== width || channels !== 1 || output !== `${NUM_CLASSES}`) {
    throw new Error(`${dir}: model maps ${model.inputs[0].shape.slice(1).join('×')} to ${output}, not square one-channel images to 10 digits`);
  }
  return model;
}

/** The model input of one file, side×side; --raw takes an image of exactly that size's grey levels as they are. */
function readInput(file: string, raw: boolean, side: number): Float32Array {
  const image = readImageFile(file);
  if (!raw) return preprocessImage(image, side);
  if (image.width !== side || image.height !== side) {
    throw new ImageError(`--raw needs a ${side}×${side} image (the model's size), this one is ${image.width}×${image.height}`, file);
  }
  return fromMnistArray(toGrayscale(image).data, side);
}

interface Prediction {
  file: string;
  digit: number;
  confidence: number;
  probabilities: number[];
  top?: { digit: number; probability: number }[];
}

function formatPretty(p: Prediction): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const top = p.top ? `   top: ${p.top.map((t) => `${t.digit} ${pct(t.probability)}`).join(', ')}` : '';
  return `${p.file}: ${p.digit} (${pct(p.confidence)})${top}`;
}

runCli('predict', USAGE, async (argv) => {
  const { values, positionals: files } = parseCli(
    argv,
    {
      run: { type: 'string' },
      top: { type: 'string' },
      pretty: { type: 'boolean' },
      raw: { type: 'boolean' },
      backend: { type: 'string' },
    },
    true,
  );
  if (!values.run) throw new UsageError('--run DIR is required');
  if (!files.length) throw new UsageError('give at least one IMAGE file');
  const top = intOption('top', values.top);
  if (top !== undefined && top > NUM_CLASSES) throw new UsageError(`--top must be at most ${NUM_CLASSES}, got ${top}`);
  const backend = choiceOption('backend', values.backend, BACKEND_ORDER);
  const modelDir = modelDirOf(resolve(values.run));
  await initBackend(backend);
  const model = await loadDigitModel(modelDir);
  const side = modelImageSize(model).height;
  const pixels = side * side;

  const inputs = files.map((file): Float32Array | ImageError => {
    try {
      return readInput(file, !!values.raw, side);
    } catch (err) {
      if (err instanceof ImageError) return err;
      throw err;
    }
  });
  const good = inputs.filter((x): x is Float32Array => x instanceof Float32Array);
  const batch = new Float32Array(good.length * pixels);
  good.forEach((input, i) => batch.set(input, i * pixels));
  const probabilities = good.length ? predictProbabilities(model, batch, good.length) : new Float32Array(0);
  const digits = argmaxRows(probabilities);

  let row = 0;
  const failed: string[] = [];
  for (const [i, input] of inputs.entries()) {
    const file = files[i];
    if (input instanceof ImageError) {
      failed.push(file);
      if (values.pretty) process.stderr.write(`${file}: error: ${input.problem}\n`);
      else process.stdout.write(JSON.stringify({ file, error: input.problem }) + '\n');
      continue;
    }
    const probs = Array.from(probabilities.subarray(row * NUM_CLASSES, (row + 1) * NUM_CLASSES));
    const prediction: Prediction = { file, digit: digits[row], confidence: round(probs[digits[row]]), probabilities: probs.map(round) };
    if (top) {
      prediction.top = probs
        .map((probability, digit) => ({ digit, probability: round(probability) }))
        .sort((a, b) => b.probability - a.probability || a.digit - b.digit)
        .slice(0, top);
    }
    process.stdout.write((values.pretty ? formatPretty(prediction) : JSON.stringify(prediction)) + '\n');
    row++;
  }
  // One line naming what failed: the file itself when it is the only one.
  const only = inputs.find((input): input is ImageError => input instanceof ImageError);
  if (failed.length === 1) throw new Error(`${failed[0]}: ${only!.problem}${files.length > 1 ? ` (the other ${files.length - 1} image(s) predicted)` : ''}`);
  if (failed.length) throw new Error(`${failed.length} of ${files.length} image(s) could not be predicted: ${failed.join(', ')}`);
});
