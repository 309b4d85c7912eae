/** The convolutional family: LeNet-5, a fast small CNN, the PyTorch-example CNN, a deeper batch-normalised CNN and
 *  An et al.'s simple CNN of valid convolutions. */
import * as tf from '@tensorflow/tfjs';
import { activationLayer } from './activation';
import { batchNormalizationLayer } from './batch-norm';
import { conv2dLayer } from './conv';
import { dropoutLayer } from './dropout';
import { describeSize, ImageSize, MNIST_IMAGE, ModelError, modelNumber, ModelOptions, ModelSpec } from './spec';

/** LeNet-5's two 2×2 poolings around a valid 5×5 convolution need 12 pixels a side; the others need less. */
const MIN_SIDE = 12;

function inputShape(image: ImageSize): number[] {
  if (image.height < MIN_SIDE || image.width < MIN_SIDE) throw new ModelError(`the CNNs need images of at least ${MIN_SIDE}×${MIN_SIDE} pixels, got ${describeSize(image)}`);
  return [image.height, image.width, 1];
}

function conv(filters: number, kernelSize: number, extra: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) {
  return conv2dLayer({ filters, kernelSize, padding: 'same', activation: 'relu', ...extra });
}

/** conv → batch-norm → relu: the bias is redundant before batch norm. */
function convBnRelu(filters: number): tf.layers.Layer[] {
  return [
    conv2dLayer({ filters, kernelSize: 3, padding: 'same', useBias: false }),
    batchNormalizationLayer(),
    activationLayer({ activation: 'relu' }),
  ];
}

export function lenet5(image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  return tf.sequential({
    name: 'lenet5',
    layers: [
      conv2dLayer({ inputShape: inputShape(image), filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      conv2dLayer({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

/** The options of cnn-small and cnn-deep, validated; `maxDropout` keeps every dropout rate of the network below 1. */
function widthAndDropout(options: ModelOptions | undefined, defaultWidth: number, maxDropout: number) {
  const width = modelNumber(options, 'width', defaultWidth);
  const dropout = modelNumber(options, 'dropout', 0.25);
  if (!Number.isInteger(width) || width <= 0) throw new ModelError(`model option width must be a positive integer, got ${width}`);
  if (!(dropout >= 0 && dropout < maxDropout)) throw new ModelError(`model option dropout must be in [0, ${maxDropout}), got ${dropout}`);
  return { width, dropout };
}

/** The registry's validate: options, and the image size when known. */
const validateCnn = (options: (o?: ModelOptions) => unknown) => (o?: ModelOptions, image?: ImageSize) => {
  options(o);
  if (image) inputShape(image);
};

/** Width 16 (16 and 32 filters) came out of the tuning sweep (README, Hyperparameter tuning). */
const cnnSmallOptions = (options?: ModelOptions) => widthAndDropout(options, 16, 1);
/** The dense layer drops twice the convolutions' rate. */
const cnnDeepOptions = (options?: ModelOptions) => widthAndDropout(options, 32, 0.5);

export function cnnSmall(options?: ModelOptions, image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  const { width, dropout } = cnnSmallOptions(options);
  return tf.sequential({
    name: 'cnn_small',
    layers: [
      conv(width, 3, { inputShape: inputShape(image) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(width * 2, 3),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      dropoutLayer({ rate: dropout }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

/** The CNN of PyTorch's MNIST example, the architecture the PyTorch benchmark compares against. */
export function classicCnn(image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  return tf.sequential({
    name: 'classic_cnn',
    layers: [
      conv(32, 3, { inputShape: inputShape(image), padding: 'valid' }),
      conv(64, 3, { padding: 'valid' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      dropoutLayer({ rate: 0.25 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      dropoutLayer({ rate: 0.5 }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

export function cnnDeep(options?: ModelOptions, image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  const { width, dropout } = cnnDeepOptions(options);
  return tf.sequential({
    name: 'cnn_deep',
    layers: [
      tf.layers.inputLayer({ inputShape: inputShape(image) }),
      ...convBnRelu(width),
      ...convBnRelu(width),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      dropoutLayer({ rate: dropout }),
      ...convBnRelu(width * 2),
      ...convBnRelu(width * 2),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      dropoutLayer({ rate: dropout }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, useBias: false }),
      batchNormalizationLayer(),
      activationLayer({ activation: 'relu' }),
      dropoutLayer({ rate: dropout * 2 }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

/** The first layer's filters; every layer after it adds half as many again (An et al.'s M3 is width 32). */
function cnnSimpleOptions(options?: ModelOptions) {
  const width = modelNumber(options, 'width', 16);
  if (!Number.isInteger(width) || width <= 0 || width % 2 !== 0) throw new ModelError(`model option width must be a positive even integer, got ${width}`);
  return { width };
}

/** Ten valid 3×3 convolutions take 28 pixels to 8: no pooling, so every layer sees the digit at full resolution. */
const SIMPLE_LAYERS = 10;

function simpleInputShape(image: ImageSize): number[] {
  const shape = inputShape(image);
  if (shape[0] <= 2 * SIMPLE_LAYERS || shape[1] <= 2 * SIMPLE_LAYERS) throw new ModelError(`cnn-simple's ${SIMPLE_LAYERS} valid 3×3 convolutions need images of more than ${2 * SIMPLE_LAYERS} pixels a side, got ${describeSize(image)}`);
  return shape;
}

/**
 * An et al. 2020's "simple CNN" (M3, arXiv 2008.10400): ten valid 3×3 convolutions, each with batch norm and relu,
 * then one dense layer to the logits with batch norm and no bias. No pooling and no dropout: it differs from
 * cnn-deep in kind, which is what an ensemble wants of its members. The default width is half theirs, a quarter
 * of their arithmetic, so that it trains in a session here (docs/accuracy.md).
 */
export function cnnSimple(options?: ModelOptions, image: ImageSize = MNIST_IMAGE): tf.LayersModel {
  const { width } = cnnSimpleOptions(options);
  const layers: tf.layers.Layer[] = [tf.layers.inputLayer({ inputShape: simpleInputShape(image) })];
  for (let i = 0; i < SIMPLE_LAYERS; i++) {
    layers.push(
      conv2dLayer({ filters: width + (i * width) / 2, kernelSize: 3, padding: 'valid', useBias: false }),
      batchNormalizationLayer(),
      activationLayer({ activation: 'relu' }),
    );
  }
  layers.push(tf.layers.flatten(), tf.layers.dense({ units: 10, useBias: false }), batchNormalizationLayer());
  return tf.sequential({ name: 'cnn_simple', layers });
}

/** The family in the registry. */
export const CNN_MODELS: readonly ModelSpec[] = [
  { name: 'lenet5', family: 'cnn', description: 'LeNet-5 (LeCun 1998) with ReLU: two conv + avg-pool stages, three dense layers', options: [], validate: validateCnn(() => undefined), build: (_, image) => lenet5(image) },
  { name: 'cnn-small', family: 'cnn', description: 'Fast two-stage CNN (16-32 filters, max-pool, dense 128)', options: ['width', 'dropout'], validate: validateCnn(cnnSmallOptions), build: cnnSmall },
  { name: 'classic-cnn', family: 'cnn', description: "PyTorch MNIST example CNN (conv 32, conv 64, max-pool, dense 128): the benchmark's reference", options: [], validate: validateCnn(() => undefined), build: (_, image) => classicCnn(image) },
  { name: 'cnn-deep', family: 'cnn', description: 'Four conv layers with batch norm and dropout, dense 256', options: ['width', 'dropout'], validate: validateCnn(cnnDeepOptions), build: cnnDeep },
  { name: 'cnn-simple', family: 'cnn', description: 'An et al. 2020: ten valid 3×3 conv layers with batch norm, no pooling, at half their width', options: ['width'], validate: (o, image) => { cnnSimpleOptions(o); if (image) simpleInputShape(image); }, build: cnnSimple },
];
