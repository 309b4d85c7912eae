/** The WASM training kernel Slice. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { runKernel, type KernelArgs } from './plumbing';

const { util, slice_util } = tf;

/**
 * Copies only the selected rows straight from the heap. The shipped kernel
 * first copies the whole input (readSync) on every call, which concat
 * gradients and token slicing hit repeatedly.
 */
export function slice(args: KernelArgs<'x'>): TensorInfo {
  const { x } = args.inputs;
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  if (x.dtype === 'string') return runKernel(tf.Slice, args.backend, args.inputs, args.attrs);
  const [start, extent] = slice_util.parseSliceParams(x, begin, size);
  const backend = args.backend;
  const out = backend.makeOutput(extent, x.dtype);
  const total = util.sizeFromShape(extent);
  if (total === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const strides = util.computeStrides(x.shape);
  const rank = x.shape.length;
  if (rank === 0) {
    dst.set(src);
    return out;
  }
  const run = extent[rank - 1];
  const index = new Array(rank - 1).fill(0); // position among the leading dims
  for (let o = 0; o < total; o += run) {
    let from = start[rank - 1];
    for (let d = 0; d < rank - 1; d++) from += (start[d] + index[d]) * strides[d];
    dst.set(src.subarray(from, from + run), o);
    for (let d = rank - 2; d >= 0 && ++index[d] === extent[d]; d--) index[d] = 0;
  }
  return out;
}
