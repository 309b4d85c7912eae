/**
 * Kernels tfjs does not have, each one pass where tfjs runs several elementwise kernels, registered for
 * the oneDNN engine only:
 * - the Relu gradient, dy * step(x): under a gradient tape tfjs does not fuse activations into the
 *   convolutions and matrix products, so every relu layer's backward pass is Step, Cast and Multiply;
 * - Adam's update of one variable, fourteen kernels in tf.train.adam (lib/train/optimizer.ts uses it
 *   where the active backend has it).
 * Both compute what tfjs computes, rounding in the same order, so results equal the WASM backend's.
 * - the dropout mask (lib/models/dropout.ts uses it where the active backend has it), which tfjs draws in
 *   JavaScript: the same distribution, another random stream.
 * - batch normalisation in training and its gradient (lib/models/batch-norm.ts), two passes each where tfjs
 *   runs some fifty kernels; the statistics are summed in double, so results equal tfjs's to rounding;
 * - layer norm and its gradient (the ViTs' LayerNorm), GELU and its gradient (the 'gelu' activation of
 *   lib/models/gelu.ts), and the Softmax gradient: each one kernel where tfjs composes from five to thirty,
 *   equal to tfjs's to rounding.
 * - a convolution with its bias and relu (lib/models/conv.ts), the FusedConv2D kernel under a name of its own
 *   so that it has a gradient: tfjs's relu convolutions run unfused under the tape.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { OnednnAddon } from './addon';
import { heap, intoOutput, offset, withFallback, type KernelArgs, type OnednnKernel } from './call';
import { conv2dForward } from './conv';
import {
  BATCH_NORM_TRAIN, DROPOUT_MASK, FUSED_ADAM, FUSED_CONV_2D, GELU, LAYER_NORM, type BatchNormTrainAttrs, type DropoutMaskAttrs, type FusedAdamAttrs,
  type LayerNormAttrs,
} from '../fused-names';

const RELU_GRAD = 'PixelwiseReluGrad';
const GELU_GRAD = 'PixelwiseGeluGrad';
const SOFTMAX_GRAD = 'PixelwiseSoftmaxGrad';
const BATCH_NORM_TRAIN_GRAD = 'PixelwiseBatchNormTrainGrad';
const LAYER_NORM_GRAD = 'PixelwiseLayerNormGrad';

/** An elementwise gradient dy * f'(x) in one pass: the binary loops' op `op` (elementwise.cc, binary). */
function derivativeTimesDy(op: number) {
  return (args: KernelArgs<'dy' | 'x'>, addon: OnednnAddon): TensorInfo => {
    const { dy, x } = args.inputs as Record<string, TensorInfo>;
    const { backend } = args;
    const n = tf.util.sizeFromShape(x.shape);
    const out = backend.makeOutput(x.shape, 'float32');
    return intoOutput(backend, out, (buffer) =>
      addon.binary(buffer, offset(backend, dy), 0, n, offset(backend, x), 0, n, offset(backend, out), n, op))!;
  };
}

function gelu(args: KernelArgs<'x'>, addon: OnednnAddon): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const { backend } = args;
  const out = backend.makeOutput(x.shape, 'float32');
  return intoOutput(backend, out, (buffer) => addon.unary(buffer, offset(backend, x), offset(backend, out), tf.util.sizeFromShape(x.shape), 11, 0))!;
}

function adam(args: KernelArgs<'value' | 'm' | 'v' | 'gradient' | 'accBeta1' | 'accBeta2'>, addon: OnednnAddon): TensorInfo[] {
  const { value, m, v, gradient, accBeta1, accBeta2 } = args.inputs as Record<string, TensorInfo>;
  const { beta1, beta2, epsilon, learningRate } = args.attrs as unknown as FusedAdamAttrs;
  const { backend } = args;
  const n = tf.util.sizeFromShape(value.shape);
  const outs = [value, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const [outValue, outM, outV] = outs.map((t) => offset(backend, t));
  addon.adam(heap(backend), ...[value, m, v, gradient, accBeta1, accBeta2].map((t) => offset(backend, t)),
    outValue, outM, outV, n, beta1, beta2, epsilon, learningRate);
  return outs;
}

function dropoutMask(args: KernelArgs<never>, addon: OnednnAddon): TensorInfo {
  const { shape, keepProb, seed } = args.attrs as unknown as DropoutMaskAttrs;
  const { backend } = args;
  const out = backend.makeOutput(shape, 'float32');
  return intoOutput(backend, out, (buffer) => addon.dropoutMask(buffer, offset(backend, out), tf.util.sizeFromShape(shape), keepProb, seed))!;
}

/** Channels (the last dimension) and rows (everything else) of a channels-last tensor. */
function rowsAndChannels(x: TensorInfo): [rows: number, channels: number] {
  const channels = x.shape[x.shape.length - 1];
  return [tf.util.sizeFromShape(x.shape) / channels, channels];
}

function batchNormTrain(args: KernelArgs<'x' | 'scale' | 'offset'>, addon: OnednnAddon): TensorInfo[] {
  const { x, scale, offset: shift } = args.inputs as Record<string, TensorInfo>;
  const { epsilon, relu } = args.attrs as unknown as BatchNormTrainAttrs;
  const { backend } = args;
  const [rows, channels] = rowsAndChannels(x);
  const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput([channels], 'float32'), backend.makeOutput([channels], 'float32')];
  addon.batchNormTrain(heap(backend), ...[x, scale, shift, ...outs].map((t) => offset(backend, t)), rows, channels, epsilon, relu ? 1 : 0);
  return outs;
}

/** y (the forward's output) is given where the forward applied a relu. */
function batchNormTrainGrad(args: KernelArgs<'dy' | 'x' | 'scale' | 'mean' | 'variance' | 'dMean' | 'dVariance' | 'y'>, addon: OnednnAddon): TensorInfo[] {
  const { dy, x, scale, mean, variance, dMean, dVariance, y } = args.inputs as Record<string, TensorInfo>;
  const { epsilon } = args.attrs as unknown as BatchNormTrainAttrs;
  const { backend } = args;
  const [rows, channels] = rowsAndChannels(x);
  const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput([channels], 'float32'), backend.makeOutput([channels], 'float32')];
  addon.batchNormTrainGrad(heap(backend), ...[dy, x, scale, mean, variance, dMean, dVariance, ...outs].map((t) => offset(backend, t)),
    rows, channels, epsilon, offset(backend, y));
  return outs;
}

function layerNorm(args: KernelArgs<'x' | 'scale' | 'offset'>, addon: OnednnAddon): TensorInfo {
  const { x, scale, offset: shift } = args.inputs as Record<string, TensorInfo>;
  const { epsilon } = args.attrs as unknown as LayerNormAttrs;
  const { backend } = args;
  const out = backend.makeOutput(x.shape, 'float32');
  addon.layerNorm(heap(backend), ...[x, scale, shift, out].map((t) => offset(backend, t)), ...rowsAndChannels(x), epsilon);
  return out;
}

function layerNormGrad(args: KernelArgs<'dy' | 'x' | 'scale'>, addon: OnednnAddon): TensorInfo[] {
  const { dy, x, scale } = args.inputs as Record<string, TensorInfo>;
  const { epsilon } = args.attrs as unknown as LayerNormAttrs;
  const { backend } = args;
  const [rows, cols] = rowsAndChannels(x);
  const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput([cols], 'float32'), backend.makeOutput([cols], 'float32')];
  addon.layerNormGrad(heap(backend), ...[dy, x, scale, ...outs].map((t) => offset(backend, t)), rows, cols, epsilon);
  return outs;
}

function softmaxGrad(args: KernelArgs<'dy' | 'y'>, addon: OnednnAddon): TensorInfo {
  const { dy, y } = args.inputs as Record<string, TensorInfo>;
  const { backend } = args;
  const out = backend.makeOutput(y.shape, 'float32');
  addon.softmaxGrad(heap(backend), ...[dy, y, out].map((t) => offset(backend, t)), ...rowsAndChannels(y));
  return out;
}

/** The fused kernels, for the backend named `backendName`. */
export function fusedKernels(backendName: string, addon: OnednnAddon): KernelConfig[] {
  const bind = (f: (args: never, addon: OnednnAddon) => TensorInfo | TensorInfo[]) =>
    ((args: never) => f(args, addon)) as unknown as KernelConfig['kernelFunc'];
  return [
    { kernelName: RELU_GRAD, backendName, kernelFunc: bind(derivativeTimesDy(4)) },
    { kernelName: GELU, backendName, kernelFunc: bind(gelu) },
    { kernelName: GELU_GRAD, backendName, kernelFunc: bind(derivativeTimesDy(5)) },
    { kernelName: SOFTMAX_GRAD, backendName, kernelFunc: bind(softmaxGrad) },
    { kernelName: LAYER_NORM, backendName, kernelFunc: bind(layerNorm) },
    { kernelName: LAYER_NORM_GRAD, backendName, kernelFunc: bind(layerNormGrad) },
    { kernelName: FUSED_ADAM, backendName, kernelFunc: bind(adam) },
    { kernelName: DROPOUT_MASK, backendName, kernelFunc: bind(dropoutMask) },
    { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: bind(batchNormTrain) },
    { kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: bind(batchNormTrainGrad) },
    { kernelName: FUSED_CONV_2D, backendName, kernelFunc: withFallback(conv2dForward as OnednnKernel, tf.getKernel(tf.FusedConv2D, 'wasm')!, addon) },
  ];
}

/**
 * The gradients of the fused kernels, each one kernel too; and tfjs's Relu and Softmax gradients replaced
 * by ones that run a fused kernel where the active backend has it and tfjs's own formula everywhere else,
 * so other engines compute exactly what they did. Idempotent.
 */
export function registerFusedGradients(): void {
  if (tf.getGradient(BATCH_NORM_TRAIN) != null) return;
  // The tape hands the batch statistics zeros where nothing differentiable reads them (the moving averages
  // do not); they are passed on all the same, so the gradient is whole wherever the statistics are used.
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dMean, dVariance] = dys as tf.Tensor[];
      const [x, scale, y, mean, variance] = saved;
      const inputs: tf.NamedTensorMap = { dy, x, scale, mean, variance, dMean, dVariance };
      if ((attrs as unknown as BatchNormTrainAttrs).relu) inputs.y = y;
      const [dx, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, inputs, attrs) as tf.Tensor[];
      return { x: () => dx, scale: () => dScale, offset: () => dOffset };
    },
  });
  tf.registerGradient({
    kernelName: LAYER_NORM,
    inputsToSave: ['x', 'scale'],
    gradFunc: (dy, [x, scale], attrs) => {
      const [dx, dScale, dOffset] = tf.engine().runKernel(LAYER_NORM_GRAD, { dy: dy as tf.Tensor, x, scale }, attrs) as tf.Tensor[];
      return { x: () => dx, scale: () => dScale, offset: () => dOffset };
    },
  });
  tf.registerGradient({
    kernelName: FUSED_CONV_2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, [x, filter, y], attrs) => {
      const { strides, pad, dataFormat, dimRoundingMode, activation } = attrs as unknown as tf.FusedConv2DAttrs;
      // relu(x) > 0 exactly where x > 0, so the output serves the relu gradient as well as the input would.
      const dyLinear = activation === 'relu' ? tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: y }) as tf.Tensor : dy as tf.Tensor;
      const conv = { strides, pad, dataFormat, dimRoundingMode };
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyLinear, filter }, { ...conv, inputShape: x.shape }) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dyLinear }, { ...conv, filterShape: filter.shape }) as tf.Tensor,
        bias: () => tf.sum(dyLinear, [0, 1, 2]),
      };
    },
  });
  tf.registerGradient({
    kernelName: GELU,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.engine().runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor }),
  });
  overrideGradient(tf.Relu, RELU_GRAD, (dy, [x]) => ({ x: () => tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor }));
  overrideGradient(tf.Softmax, SOFTMAX_GRAD, (dy, [y]) => ({ logits: () => tf.engine().runKernel(SOFTMAX_GRAD, { dy, y }) as tf.Tensor }));
}

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;

/** tfjs's gradient of `kernelName`, replaced by `fused` where the active backend has the kernel `fusedName`. */
function overrideGradient(kernelName: string, fusedName: string, fused: GradFunc): void {
  const shipped = tf.getGradient(kernelName);
  const config: GradConfig = {
    ...shipped,
    gradFunc: (dy, saved, attrs) => (tf.getKernel(fusedName, tf.getBackend()) == null
      ? shipped.gradFunc(dy, saved, attrs) : fused(dy as tf.Tensor, saved)),
  };
  // registerGradient warns when it overrides: this override is deliberate, so the old one goes first.
  tf.unregisterGradient(kernelName);
  tf.registerGradient(config);
}
