/**
 * Conv2D, _FusedConv2D (bias and activation fused into the convolution) and both gradients, on oneDNN.
 * NHWC only, as the models use; NCHW, prelu and non-channel biases go to the WASM kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { activationCode, intoOutput, isChannelBias, offset, type KernelArgs, type OnednnKernel } from './call';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Shape4 = [number, number, number, number];

/** The geometry block every convolution call ends with (native/onednn/src/conv.cc, Geometry). */
function geometry(info: Conv2DInfo): number[] {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { top, left, bottom, right } = info.padInfo;
  return [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, info.filterHeight,
    info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, top, left, bottom, right];
}

const isEmpty = (info: Conv2DInfo) => info.batchSize * info.outHeight * info.outWidth * info.outChannels === 0 ||
  info.inChannels === 0;

export function conv2dForward(args: KernelArgs<'x' | 'filter' | 'bias' | 'preluActivationWeights'>, addon: Parameters<OnednnKernel>[1]): TensorInfo | null {
  const { x, filter, bias } = args.inputs as Record<string, TensorInfo>;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } = args.attrs as unknown as tf.FusedConv2DAttrs;
  const code = activationCode(activation);
  if (dataFormat === 'NCHW' || code === undefined || !isChannelBias(bias, filter.shape[3])) return null;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
  if (isEmpty(info)) return null;
  const { backend } = args;
  const out = backend.makeOutput(info.outShape, 'float32');
  return intoOutput(backend, out, (heap) => addon.conv2d(heap, offset(backend, x), offset(backend, filter),
    offset(backend, bias), offset(backend, out), ...geometry(info), code, leakyreluAlpha ?? 0.2));
}

function backpropInput(args: KernelArgs<'dy' | 'filter'>, addon: Parameters<OnednnKernel>[1]): TensorInfo | null {
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') return null;
  const info = tf.backend_util.computeConv2DInfo(inputShape as Shape4, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
  if (isEmpty(info)) return null;
  const { backend } = args;
  const out = backend.makeOutput(inputShape, 'float32');
  return intoOutput(backend, out, (heap) => addon.conv2dBackpropInput(heap, offset(backend, dy), offset(backend, filter),
    -1, offset(backend, out), ...geometry(info)));
}

function backpropFilter(args: KernelArgs<'x' | 'dy'>, addon: Parameters<OnednnKernel>[1], withBias = false): TensorInfo | TensorInfo[] | null {
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') return null;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape as Shape4, strides, 1, pad, dimRoundingMode);
  if (isEmpty(info)) return null;
  const { backend } = args;
  const out = backend.makeOutput(filterShape, 'float32');
  const bias = withBias ? backend.makeOutput([info.outChannels], 'float32') : undefined;
  const written = intoOutput(backend, out, (heap) => addon.conv2dBackpropFilter(heap, offset(backend, x), offset(backend, dy),
    offset(backend, bias), offset(backend, out), ...geometry(info)));
  if (bias == null) return written;
  if (written == null) backend.disposeData(bias.dataId);
  return written && [written, bias];
}

/**
 * Conv2DBackpropFilter (same inputs and attributes) with the bias gradient, dy summed over N, H and W, as a
 * second output: oneDNN sums it in the filter gradient's own pass over dy, where a Sum would read dy again.
 */
export const backpropFilterAndBias: OnednnKernel = (args, addon) => backpropFilter(args as never, addon, true);

export const CONV_KERNELS: ReadonlyArray<[string, OnednnKernel]> = [
  [tf.Conv2D, conv2dForward as OnednnKernel],
  [tf.FusedConv2D, conv2dForward as OnednnKernel],
  [tf.Conv2DBackpropInput, backpropInput as OnednnKernel],
  [tf.Conv2DBackpropFilter, backpropFilter as OnednnKernel],
];
