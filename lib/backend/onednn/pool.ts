/** MaxPool, AvgPool and their gradients on oneDNN (NHWC, no dilation: what tfjs's 2-D pooling is). */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { intoOutput, offset, type KernelArgs, type OnednnKernel } from './call';

type Shape4 = [number, number, number, number];

function poolInfo(x: TensorInfo, attrs: tf.MaxPoolAttrs) {
  return tf.backend_util.computePool2DInfo(x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

/** The geometry block of a pooling call (native/onednn/src/pool.cc, Geometry). */
function geometry(info: ReturnType<typeof poolInfo>, max: boolean): number[] {
  const { top, left, bottom, right } = info.padInfo;
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, top, left, bottom, right, max ? 1 : 0];
}

const isEmpty = (info: ReturnType<typeof poolInfo>) => info.batchSize * info.outHeight * info.outWidth * info.inChannels === 0;

function forward(max: boolean): OnednnKernel {
  return (args: KernelArgs<string>, addon) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    if (x.dtype !== 'float32') return null;
    const info = poolInfo(x, args.attrs as unknown as tf.MaxPoolAttrs);
    if (isEmpty(info)) return null;
    const { backend } = args;
    const out = backend.makeOutput(info.outShape, 'float32');
    return intoOutput(backend, out, (heap) => addon.pool(heap, offset(backend, x), -1, -1, offset(backend, out), ...geometry(info, max)));
  };
}

/** `relu`: x is a relu's output and the gradient comes out with the relu's folded in (native/onednn/src/pool.cc). */
function backward(max: boolean, relu = false): OnednnKernel {
  return (args: KernelArgs<string>, addon) => {
    const { dy, input } = args.inputs as Record<string, TensorInfo>;
    const info = poolInfo(input, args.attrs as unknown as tf.MaxPoolAttrs);
    if (isEmpty(info)) return null;
    const { backend } = args;
    const out = backend.makeOutput(input.shape, 'float32');
    return intoOutput(backend, out, (heap) => addon.poolGrad(heap, offset(backend, dy), offset(backend, input), -1,
      offset(backend, out), ...geometry(info, max), relu ? 1 : 0));
  };
}

/** MaxPoolGrad (same inputs and attributes) of a relu's output, times the relu's gradient, in one pass. */
export const maxPoolGradRelu = backward(true, true);

export const POOL_KERNELS: ReadonlyArray<[string, OnednnKernel]> = [
  [tf.MaxPool, forward(true)],
  [tf.AvgPool, forward(false)],
  [tf.MaxPoolGrad, backward(true)],
  [tf.AvgPoolGrad, backward(false)],
];
