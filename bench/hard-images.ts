/**
 * npx ts-node bench/hard-images.ts --run DIR [--count N] [--numbers N] — how a trained run reads the hard
 * images of lib/data/hard-images (the README's table): per variant, the share of the first N MNIST test
 * digits predicted as the untouched digit; for composed numbers of 2–6 digits, the share read exactly.
 */
import { resolve } from 'path';
import { parseArgs } from 'util';
import { initBackend } from '../lib/backend/select';
import * as H from '../lib/data/hard-images';
import { loadMnist } from '../lib/data/mnist';
import { createRng } from '../lib/data/random';
import { argmaxRows, predictProbabilities } from '../lib/eval/evaluate';
import { loadModel } from '../lib/models';
import { MNIST_PIXELS, preprocessImage, segmentNumber, toGrayscale } from '../lib/preprocess';
import { modelDir } from '../lib/train/run-dir';

(async () => {
  const { values } = parseArgs({ options: { run: { type: 'string' }, count: { type: 'string', default: '300' }, numbers: { type: 'string', default: '200' } } });
  if (!values.run) throw new Error('--run DIR is required');
  await initBackend('wasm');
  const { test } = await loadMnist();
  const model = await loadModel(modelDir(resolve(values.run)));
  const predict = (inputs: Float32Array[]) => {
    const batch = new Float32Array(inputs.length * MNIST_PIXELS);
    inputs.forEach((x, i) => batch.set(x, i * MNIST_PIXELS));
    return argmaxRows(predictProbabilities(model, batch, inputs.length));
  };
  const count = Number(values.count);
  const untouched = predict(Array.from({ length: count }, (_, i) => H.mnistDigit(test, i).data));
  for (const [name, make] of Object.entries(H.HARD_VARIANTS)) {
    const rng = createRng(5);
    const got = predict(Array.from({ length: count }, (_, i) => preprocessImage(make(H.mnistDigit(test, i), rng))));
    console.log(`${name}: ${((100 * got.filter((d, i) => d === untouched[i]).length) / count).toFixed(1)}%`);
  }
  const rng = createRng(3);
  let asUntouched = 0;
  let asLabels = 0;
  const numbers = Number(values.numbers);
  for (let k = 0; k < numbers; k++) {
    const { indices, picture } = H.randomNumber(test, 2 + (k % 5), rng);
    const read = predict(segmentNumber(toGrayscale(H.onPaper(picture, H.DARK_ON_WHITE))).map((d) => d.input)).join('');
    asUntouched += +(read === predict(indices.map((i) => H.mnistDigit(test, i).data)).join(''));
    asLabels += +(read === indices.map((i) => test.labels[i]).join(''));
  }
  console.log(`numbers of 2–6 digits: ${((100 * asUntouched) / numbers).toFixed(1)}% as the untouched digits, ${((100 * asLabels) / numbers).toFixed(1)}% exactly right`);
})();
