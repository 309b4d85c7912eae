/**
 * The demo page: draw a digit, or write a whole number on the wide pad, and see the model's reading live.
 * The drawing goes through the same preprocessing and number segmentation as `npm run predict [--number]`
 * (lib/preprocess, bundled into this script by the demo server); a confidence below the run's calibrated
 * threshold (served in run.json) is flagged uncertain, as predict flags it;
 * the bundler maps @tensorflow/tfjs to the page's own tf.min.js, the model comes from the served run.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageError, MNIST_SIDE, segmentNumber, toGrayscale, toMnistInput } from '../lib/preprocess';
// Registers the ViT's custom layers, so that saved ViTs load here as they do in Node.
import '../lib/models/vit-layers';

/** Pen width in canvas pixels: about MNIST's stroke width relative to a digit drawn across most of the pad. */
const PEN_WIDTH = 20;
/** The pad's size in canvas pixels: square for one digit, three digits' worth of room for a number. */
const PAD_SIZES = { digit: [280, 280], number: [840, 280] } as const;
type Mode = keyof typeof PAD_SIZES;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>('pad');
const pen = pad.getContext('2d', { willReadFrequently: true })!;
const preview = $<HTMLCanvasElement>('input').getContext('2d')!;
const digitEl = $('digit');
const confidenceEl = $('confidence');
const statusEl = $('status');
const numberEl = $('number');
const numberNoteEl = $('number-note');
const numberDigitsEl = $('number-digits');
const bars = Array.from({ length: 10 }, (_, digit) => {
  const li = document.createElement('li');
  li.innerHTML = `<span>${digit}</span><span class="track"><span class="fill"></span></span><span class="pct"></span>`;
  $('bars').append(li);
  return { li, fill: li.querySelector<HTMLElement>('.fill')!, pct: li.querySelector<HTMLElement>('.pct')! };
});

let model: tf.LayersModel | undefined;
/** Drawing changes so far, and the change the shown result belongs to: tests wait for them to agree. */
let drawn = 0;
let predicted = 0;
let predicting = false;
let mode: Mode = 'digit';
/** Below this confidence a digit is uncertain: the run's calibration.json, 1 (all uncertain) until loaded. */
let threshold = 1;
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

function setState(state: 'loading' | 'ready' | 'error', message = '') {
  document.body.dataset.state = state;
  statusEl.textContent = message;
}

function clearPad() {
  pen.fillStyle = '#fff';
  pen.fillRect(0, 0, pad.width, pad.height);
}

/** Side of the model's square input, MNIST's 28 until the model says otherwise. */
let side = MNIST_SIDE;

function showResult(input: Float32Array | undefined, probabilities: Float32Array | undefined) {
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  digitEl.textContent = top >= 0 ? String(top) : '–';
  const uncertain = probabilities ? probabilities[top] < threshold : false;
  confidenceEl.textContent = probabilities ? `${pct(probabilities[top])} sure${uncertain ? ', uncertain' : ''}` : 'draw a digit';
  confidenceEl.dataset.uncertain = String(uncertain);
  bars.forEach(({ li, fill, pct }, digit) => {
    const p = probabilities?.[digit] ?? 0;
    fill.style.width = `${p * 100}%`;
    pct.textContent = probabilities ? `${(p * 100).toFixed(1)}%` : '';
    li.classList.toggle('top', digit === top);
    li.dataset.probability = probabilities ? String(p) : '';
  });
  const pixels = preview.createImageData(side, side);
  input?.forEach((v, i) => pixels.data.set([v * 255, v * 255, v * 255, 255], i * 4));
  preview.putImageData(pixels, 0, 0);
}

interface ReadDigit {
  digit: number;
  confidence: number;
  uncertain: boolean;
}

/** The number left to right with each digit's confidence, or the prompt while the pad is blank. */
function showNumber(digits: ReadDigit[] | undefined) {
  const uncertain = !!digits?.some((d) => d.uncertain);
  numberEl.textContent = digits ? digits.map((d) => d.digit).join('') : '–';
  numberEl.dataset.uncertain = String(uncertain);
  numberNoteEl.textContent = digits ? (uncertain ? 'uncertain: a digit is below the calibrated confidence' : 'every digit confident') : 'write a number';
  numberDigitsEl.replaceChildren(
    ...(digits ?? []).map((d) => {
      const li = document.createElement('li');
      li.textContent = `${d.digit} ${pct(d.confidence)}${d.uncertain ? ' ?' : ''}`;
      li.classList.toggle('uncertain', d.uncertain);
      Object.assign(li.dataset, { digit: String(d.digit), confidence: String(d.confidence), uncertain: String(d.uncertain) });
      return li;
    }),
  );
}

/** Softmax outputs of the model for side×side inputs, row-major (count × 10). */
async function probabilitiesOf(inputs: Float32Array[]): Promise<Float32Array> {
  const batch = new Float32Array(inputs.length * side * side);
  inputs.forEach((input, i) => batch.set(input, i * side * side));
  const output = tf.tidy(() => tf.softmax(model!.predict(tf.tensor4d(batch, [inputs.length, side, side, 1])) as tf.Tensor2D));
  const probabilities = (await output.data()) as Float32Array;
  output.dispose();
  return probabilities;
}

/** The pad's model inputs: one digit, or the digits of a number left to right; none while it is blank. */
function readPad(): Float32Array[] {
  const image = pen.getImageData(0, 0, pad.width, pad.height);
  try {
    return mode === 'digit' ? [toMnistInput(image, side)] : segmentNumber(toGrayscale(image), side).map((d) => d.input);
  } catch (err) {
    // A blank pad is the normal state before drawing, not an error to report.
    if (!(err instanceof ImageError)) throw err;
    return [];
  }
}

async function predict(): Promise<void> {
  const version = drawn;
  const inputs = readPad();
  const probabilities = inputs.length && model ? await probabilitiesOf(inputs) : undefined;
  if (mode === 'digit') showResult(inputs[0], probabilities);
  else {
    showNumber(
      probabilities &&
        inputs.map((_, i) => {
          const row = probabilities.subarray(i * 10, (i + 1) * 10);
          const digit = row.indexOf(Math.max(...row));
          return { digit, confidence: row[digit], uncertain: row[digit] < threshold };
        }),
    );
  }
  predicted = version;
  document.body.dataset.predicted = String(predicted);
}

/** At most one prediction in flight and one per frame; the last drawing change is always predicted. */
function schedule() {
  if (predicting) return;
  predicting = true;
  requestAnimationFrame(() =>
    predict()
      .catch((err: Error) => setState('error', `Prediction failed: ${err.message}`))
      .finally(() => {
        predicting = false;
        if (predicted !== drawn) schedule();
      }),
  );
}

function changed() {
  drawn++;
  document.body.dataset.drawn = String(drawn);
  schedule();
}

function padPoint(event: PointerEvent): [number, number] {
  const rect = pad.getBoundingClientRect();
  return [((event.clientX - rect.left) * pad.width) / rect.width, ((event.clientY - rect.top) * pad.height) / rect.height];
}

let last: [number, number] | undefined;

pad.addEventListener('pointerdown', (event) => {
  pad.setPointerCapture(event.pointerId);
  last = padPoint(event);
  pen.beginPath();
  pen.arc(last[0], last[1], PEN_WIDTH / 2, 0, 2 * Math.PI);
  pen.fillStyle = '#000';
  pen.fill();
  changed();
});

pad.addEventListener('pointermove', (event) => {
  if (!last) return;
  const point = padPoint(event);
  pen.beginPath();
  pen.moveTo(last[0], last[1]);
  pen.lineTo(point[0], point[1]);
  pen.strokeStyle = '#000';
  pen.lineWidth = PEN_WIDTH;
  pen.lineCap = 'round';
  pen.stroke();
  last = point;
  changed();
});

for (const type of ['pointerup', 'pointercancel'] as const) pad.addEventListener(type, () => (last = undefined));

$('clear').addEventListener('click', () => {
  clearPad();
  changed();
});

/** Switches between one digit on the square pad and a whole number on the wide one; the pad starts blank. */
function setMode(next: Mode) {
  mode = next;
  document.body.dataset.mode = mode;
  [pad.width, pad.height] = PAD_SIZES[mode];
  $('mode').textContent = mode === 'digit' ? 'Write a number' : 'Draw one digit';
  $('hint').textContent = mode === 'digit' ? 'Draw one digit, 0 to 9, with the mouse or a finger.' : 'Write a number, digits side by side, left to right.';
  clearPad();
  showResult(undefined, undefined);
  showNumber(undefined);
  changed();
}

$('mode').addEventListener('click', () => setMode(mode === 'digit' ? 'number' : 'digit'));

async function start() {
  clearPad();
  showResult(undefined, undefined);
  showNumber(undefined);
  document.body.dataset.mode = mode;
  document.body.dataset.drawn = document.body.dataset.predicted = '0';
  try {
    const backend = new URLSearchParams(location.search).get('backend');
    if (backend && !(await tf.setBackend(backend))) throw new Error(`backend "${backend}" is not available`);
    await tf.ready();
    const info = await (await fetch('run.json')).json();
    threshold = info.threshold;
    model = await tf.loadLayersModel('model/model.json');
    // The run's own image size (16×16, 32×32 digit sets train too); the preview shows the model's input.
    side = model.inputs[0].shape[1] ?? MNIST_SIDE;
    preview.canvas.width = preview.canvas.height = side;
    $('model-info').textContent = `${info.model} from run ${info.run}` + (info.testAccuracy ? ` — ${(info.testAccuracy * 100).toFixed(2)}% on the MNIST test set` : '');
    setState('ready');
    changed();
  } catch (err) {
    setState('error', `Could not load the model: ${(err as Error).message}`);
  }
}

start();
