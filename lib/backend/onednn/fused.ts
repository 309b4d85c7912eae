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
 * - the max-pooling gradient of a relu's output with the relu's gradient folded in (see reluApplied below);
 * - multi-head self-attention and its gradient (./attention.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { OnednnAddon } from './addon';
import { ATTENTION_GRAD, ATTENTION_GRADIENT, attention, attentionGrad } from './attention';
import { heap, intoOutput, offset, withFallback, type KernelArgs, type OnednnKernel } from './call';
import { backpropFilterAndBias, conv2dForward } from './conv';
import { maxPoolGradRelu } from './pool';
import {
  ATTENTION, BATCH_NORM_TRAIN, DROPOUT_MASK, FUSED_ADAM, FUSED_CONV_2D, GELU, LAYER_NORM, type BatchNormTrainAttrs, type DropoutMaskAttrs, type FusedAdamAttrs,
  type FusedConv2DAttrs, type LayerNormAttrs,
} from '../fused-names';

const RELU_GRAD = 'PixelwiseReluGrad';
const GELU_GRAD = 'PixelwiseGeluGrad';
const SOFTMAX_GRAD = 'PixelwiseSoftmaxGrad';
const BATCH_NORM_TRAIN_GRAD = 'PixelwiseBatchNormTrainGrad';
const LAYER_NORM_GRAD = 'PixelwiseLayerNormGrad';
const MAX_POOL_GRAD_RELU = 'PixelwiseMaxPoolGradRelu';
const CONV_FILTER_BIAS_GRAD = 'PixelwiseConv2DBackpropFilterBias';

/**
 * A relu convolution (or batch norm) followed by max pooling, the CNNs' every block, would take two passes
 * over the layer's largest tensor backward: MaxPoolGrad writes dx, then the relu's gradient multiplies it by
 * step(y). Folding the relu into MaxPoolGrad needs to know, in MaxPool's gradient, that its input is a relu's
 * output, and, in the relu's gradient, that its dy already is masked. Two marks on data ids carry that:
 * `reluApplied` holds the outputs our fused kernels applied a relu to while a tape records (so an input a
 * gradient is taken for, computed outside the tape, is never one), and `maskedFor` maps a gradient to the
 * relu output it is already masked for. A gradient that was summed with another on the way carries no mark
 * and is masked as before.
 */
const reluApplied = new WeakSet<object>();
const maskedFor = new WeakMap<object, object>();

const taping = () => (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;

function markReluOutput(out: TensorInfo | null): void {
  if (out != null && taping()) reluApplied.add(out.dataId);
}

/** Whether dy is already zero wherever relu output y is (dy · step(y) would be dy). */
const isMaskedFor = (dy: tf.Tensor, y: tf.Tensor) => maskedFor.get(dy.dataId) === y.dataId;

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
  if (relu) markReluOutput(outs[0]);
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

/** A kernel with no WASM kernel to fall back to: the calls it is given (NHWC, not empty) it handles, or it says so. */
function required(name: string, kernel: OnednnKernel) {
  return (args: KernelArgs<string>, addon: OnednnAddon): TensorInfo | TensorInfo[] => {
    const out = kernel(args, addon);
    if (out == null) throw new Error(`${name}: the oneDNN addon does not handle this call`);
    return out;
  };
}

const convMarkingRelu: OnednnKernel = (args, addon) => {
  const out = conv2dForward(args as never, addon);
  if ((args.attrs as unknown as FusedConv2DAttrs).activation === 'relu') markReluOutput(out);
  return out;
};

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
    { kernelName: FUSED_CONV_2D, backendName, kernelFunc: withFallback(convMarkingRelu, tf.getKernel(tf.FusedConv2D, 'wasm')!, addon) },
    { kernelName: CONV_FILTER_BIAS_GRAD, backendName, kernelFunc: bind(required(CONV_FILTER_BIAS_GRAD, backpropFilterAndBias)) },
    { kernelName: MAX_POOL_GRAD_RELU, backendName, kernelFunc: withFallback(maxPoolGradRelu, tf.getKernel(tf.MaxPoolGrad, 'wasm')!, addon) },
    { kernelName: ATTENTION, backendName, kernelFunc: bind(attention) },
    { kernelName: ATTENTION_GRAD, backendName, kernelFunc: bind(attentionGrad) },
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
      if ((attrs as unknown as BatchNormTrainAttrs).relu && !isMaskedFor(dy, y)) inputs.y = y;
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
      const { strides, pad, dataFormat, dimRoundingMode, activation, hasBias } = attrs as unknown as FusedConv2DAttrs;
      // relu(x) > 0 exactly where x > 0, so the output serves the relu gradient as well as the input would.
      const masked = activation !== 'relu' || isMaskedFor(dy as tf.Tensor, y);
      const dyLinear = masked ? dy as tf.Tensor : tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: y }) as tf.Tensor;
      const conv = { strides, pad, dataFormat, dimRoundingMode };
      const filterGradient = { ...conv, filterShape: filter.shape };
      // With a bias, both weight gradients come from one kernel, run here rather than in a closure: what the
      // tape does not use is disposed with the rest of the backward pass.
      const [dFilter, dBias] = !hasBias ? [] : tf.engine().runKernel(CONV_FILTER_BIAS_GRAD, { x, dy: dyLinear }, filterGradient) as tf.Tensor[];
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyLinear, filter }, { ...conv, inputShape: x.shape }) as tf.Tensor,
        filter: () => dFilter ?? tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dyLinear }, filterGradient) as tf.Tensor,
        bias: () => dBias,
      };
    },
  });
  tf.registerGradient(ATTENTION_GRADIENT);
  tf.registerGradient({
    kernelName: GELU,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.engine().runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor }),
  });
  overrideGradient(tf.Relu, RELU_GRAD, (dy, [x]) => ({ x: () => tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor }));
  overrideGradient(tf.Softmax, SOFTMAX_GRAD, (dy, [y]) => ({ logits: () => tf.engine().runKernel(SOFTMAX_GRAD, { dy, y }) as tf.Tensor }));
  overrideGradient(tf.MaxPool, MAX_POOL_GRAD_RELU, (dy, [x, y], attrs) => {
    if (!reluApplied.has(x.dataId)) return null;
    const { filterSize, strides, pad } = attrs as unknown as tf.MaxPoolAttrs;
    return {
      x: () => {
        const dx = tf.engine().runKernel(MAX_POOL_GRAD_RELU, { dy, input: x, output: y }, { filterSize, strides, pad }) as tf.Tensor;
        maskedFor.set(dx.dataId, x.dataId);
        return dx;
      },
    };
  });
}

/** A replacement gradient; null where it does not apply to this call, and tfjs's runs. */
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => Record<string, () => tf.Tensor> | null;

/** tfjs's gradient of `kernelName`, replaced by `fused` where the active backend has the kernel `fusedName`. */
function overrideGradient(kernelName: string, fusedName: string, fused: GradFunc): void {
  const shipped = tf.getGradient(kernelName);
  const config: GradConfig = {
    ...shipped,
    gradFunc: (dy, saved, attrs) => (tf.getKernel(fusedName, tf.getBackend()) == null ? null : fused(dy as tf.Tensor, saved, attrs))
      ?? shipped.gradFunc(dy, saved, attrs),
  };
  // registerGradient warns when it overrides: this override is deliberate, so the old one goes first.
  tf.unregisterGradient(kernelName);
  tf.registerGradient(config);
}
