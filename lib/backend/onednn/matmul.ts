/**
 * BatchMatMul and _FusedMatMul on oneDNN. Transposed operands are read through strides, never copied;
 * batch dimensions may broadcast where one side has a single matrix (a dense layer applied to every
 * token, a ViT's shared weights). Other broadcasts, prelu and non-row biases go to the WASM kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { activationCode, intoOutput, isChannelBias, offset, type KernelArgs, type OnednnKernel } from './call';

function product(args: KernelArgs<'a' | 'b' | 'bias' | 'preluActivationWeights'>, addon: Parameters<OnednnKernel>[1]): TensorInfo | null {
  const { a, b, bias } = args.inputs as Record<string, TensorInfo>;
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as tf._FusedMatMulAttrs;
  const code = activationCode(activation);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2 || code === undefined) return null;
  const m = a.shape[a.shape.length - (transposeA ? 1 : 2)];
  const k = a.shape[a.shape.length - (transposeA ? 2 : 1)];
  const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
  if (!isChannelBias(bias, n)) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  const outer = batchA === 1 && outerA.length <= outerB.length ? outerB
    : batchB === 1 && outerB.length <= outerA.length ? outerA
      : tf.util.arraysEqual(outerA, outerB) ? outerA : null;
  if (outer == null || m * n * k === 0) return null;
  const { backend } = args;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  return intoOutput(backend, out, (heap) => addon.batchMatMul(heap, offset(backend, a), offset(backend, b),
    offset(backend, bias), offset(backend, out), batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0,
    code, leakyreluAlpha ?? 0.2));
}

export const MATMUL_KERNELS: ReadonlyArray<[string, OnednnKernel]> = [
  [tf.BatchMatMul, product as OnednnKernel],
  [tf._FusedMatMul, product as OnednnKernel],
];
