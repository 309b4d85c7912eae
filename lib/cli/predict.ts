/** npm run predict — reads digit images (PNG, JPEG), preprocesses them MNIST-style and prints a trained model's predictions. */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import { loadCalibration } from '../train/evaluate-run';
import { modelDir } from '../train/run-dir';
import { defaultModelRun } from '../report/reference';
import { argmaxRows, predictProbabilities } from '../eval/evaluate';
import { NUM_CLASSES } from '../data/mnist';
// The models index also registers the ViT's custom layers, which loading a saved ViT needs.
import { loadModel, modelImageSize } from '../models';
import { fromMnistArray, ImageError, preprocessImage, segmentNumber, toGrayscale } from '../preprocess';
import { readImageFile } from '../preprocess/decode';
import { choiceOption, intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run predict -- [--run DIR] [options] IMAGE...

  --run DIR      a run directory written by npm run train (or any directory holding a saved model.json);
                 default: the reference run of best validation accuracy (npm run models)
  --top K        also list the K most probable digits
  --pretty       one human-readable line per image instead of JSON
  --raw          the images are already MNIST-style (the model's size, 28×28 for MNIST; white digit on black): no preprocessing
  --number       each image holds a whole number (2 to 10 digits): find its digits and read them left to right
  --backend B    ${BACKEND_ORDER.join(' | ')}

Each IMAGE (PNG or JPEG) is turned into an MNIST-style input: greyscale, inverted if dark on light,
denoised, cropped to the digit, fitted into 20×20 and centred by centre of mass in 28×28.

Prints one JSON line per image, in argument order:
  {"file": "a.png", "digit": 7, "confidence": 0.98, "uncertain": false, "probabilities": [10 numbers, digits 0..9]}
or with --number:
  {"file": "n.png", "number": "4071", "uncertain": false, "digits": [{"digit", "confidence", "uncertain", "box": [x, y, w, h]}, ...]}
"uncertain" is true when the confidence is below the run's threshold (calibration.json, chosen on its
validation split; a number is uncertain when any of its digits is).
with "top": [{"digit", "probability"}, ...] added by --top K. An image that cannot be read, is not a
PNG/JPEG or holds no digit gets {"file": "a.png", "error": "..."} in its place (with --pretty, a
"file: error: ..." line on stderr). The other images are still predicted; the exit status is then 1.
`;

/** Six decimals keep the lines short; the digit is chosen from the unrounded probabilities. */
const round = (p: number) => Number(p.toFixed(6));

function modelDirOf(run: string): string {
  if (!existsSync(run)) throw new Error(`${run}: no such run directory`);
  for (const dir of [modelDir(run), run]) if (existsSync(join(dir, 'model.json'))) return dir;
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

/** The model inputs of one file with --number: the digits of a number, left to right, and their boxes. */
function readNumber(file: string, side: number): { inputs: Float32Array[]; boxes: number[][] } {
  const digits = segmentNumber(toGrayscale(readImageFile(file)), side);
  return { inputs: digits.map((d) => d.input), boxes: digits.map(({ box }) => [box.x, box.y, box.width, box.height]) };
}

interface Prediction {
  file: string;
  digit: number;
  confidence: number;
  uncertain: boolean;
  probabilities: number[];
  top?: { digit: number; probability: number }[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function formatPretty(p: Prediction): string {
  const top = p.top ? `   top: ${p.top.map((t) => `${t.digit} ${pct(t.probability)}`).join(', ')}` : '';
  return `${p.file}: ${p.digit} (${pct(p.confidence)}${p.uncertain ? ', uncertain' : ''})${top}`;
}

function reportError(file: string, problem: string, pretty: boolean): void {
  if (pretty) process.stderr.write(`${file}: error: ${problem}\n`);
  else process.stdout.write(JSON.stringify({ file, error: problem }) + '\n');
}

/** One line naming what failed: the file itself when it is the only one. */
function failure(failed: { file: string; problem: string }[], total: number, verb: string): Error | undefined {
  if (failed.length === 1) {
    return new Error(`${failed[0].file}: ${failed[0].problem}${total > 1 ? ` (the other ${total - 1} image(s) ${verb})` : ''}`);
  }
  if (failed.length) return new Error(`${failed.length} of ${total} image(s) could not be ${verb}: ${failed.map((f) => f.file).join(', ')}`);
  return undefined;
}

/** --number: one line per image with the number read left to right and each digit's box. */
function predictNumbers(model: tf.LayersModel, files: string[], side: number, threshold: number, pretty: boolean): void {
  const failed: { file: string; problem: string }[] = [];
  for (const file of files) {
    let read: ReturnType<typeof readNumber>;
    try {
      read = readNumber(file, side);
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      failed.push({ file, problem: err.problem });
      reportError(file, err.problem, pretty);
      continue;
    }
    const batch = new Float32Array(read.inputs.length * side * side);
    read.inputs.forEach((pixels, i) => batch.set(pixels, i * side * side));
    const probabilities = predictProbabilities(model, batch, read.inputs.length);
    const digits = Array.from(argmaxRows(probabilities), (digit, i) => {
      const confidence = probabilities[i * NUM_CLASSES + digit];
      return { digit, confidence: round(confidence), uncertain: confidence < threshold, box: read.boxes[i] };
    });
    const line = { file, number: digits.map((d) => d.digit).join(''), uncertain: digits.some((d) => d.uncertain), digits };
    const shown = digits.map((d) => `${d.digit} ${pct(d.confidence)}${d.uncertain ? '?' : ''}`).join(', ');
    process.stdout.write((pretty ? `${file}: ${line.number}${line.uncertain ? ' (uncertain)' : ''}   ${shown}` : JSON.stringify(line)) + '\n');
  }
  const error = failure(failed, files.length, 'read');
  if (error) throw error;
}

runCli('predict', USAGE, async (argv) => {
  const { values, positionals: files } = parseCli(
    argv,
    {
      run: { type: 'string' },
      top: { type: 'string' },
      pretty: { type: 'boolean' },
      raw: { type: 'boolean' },
      number: { type: 'boolean' },
      backend: { type: 'string' },
    },
    true,
  );
  if (!files.length) throw new UsageError('give at least one IMAGE file');
  const top = intOption('top', values.top);
  if (top !== undefined && top > NUM_CLASSES) throw new UsageError(`--top must be at most ${NUM_CLASSES}, got ${top}`);
  const backend = choiceOption('backend', values.backend, BACKEND_ORDER);
  const runDir = values.run ? resolve(values.run) : defaultModelRun();
  const modelDir = modelDirOf(runDir);
  await initBackend(backend);
  const model = await loadDigitModel(modelDir);
  const side = modelImageSize(model).height;
  const pixels = side * side;
  // calibration.json beside model/; computed once here for runs trained before it existed.
  const { threshold } = await loadCalibration(runDir);
  if (values.number && values.raw) throw new UsageError('--number and --raw cannot be combined');
  if (values.number) return predictNumbers(model, files, side, threshold, !!values.pretty);

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
  const failed: { file: string; problem: string }[] = [];
  for (const [i, input] of inputs.entries()) {
    const file = files[i];
    if (input instanceof ImageError) {
      failed.push({ file, problem: input.problem });
      reportError(file, input.problem, !!values.pretty);
      continue;
    }
    const probs = Array.from(probabilities.subarray(row * NUM_CLASSES, (row + 1) * NUM_CLASSES));
    const confidence = probs[digits[row]];
    const prediction: Prediction = {
      file, digit: digits[row], confidence: round(confidence), uncertain: confidence < threshold, probabilities: probs.map(round),
    };
    if (top) {
      prediction.top = probs
        .map((probability, digit) => ({ digit, probability: round(probability) }))
        .sort((a, b) => b.probability - a.probability || a.digit - b.digit)
        .slice(0, top);
    }
    process.stdout.write((values.pretty ? formatPretty(prediction) : JSON.stringify(prediction)) + '\n');
    row++;
  }
  const error = failure(failed, files.length, 'predicted');
  if (error) throw error;
});
