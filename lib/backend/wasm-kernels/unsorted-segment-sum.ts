/** UnsortedSegmentSum for WASM, which lacks it: the gradient of gather, e.g. embeddings. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { FloatArray, KernelArgs } from './plumbing';

const { util } = tf;

/** out[s, ...] = sum of x[i, ...] over i with segmentIds[i] = s; others dropped. */
export function unsortedSegmentSum(args: KernelArgs<'x' | 'segmentIds'>): TensorInfo {
  const { x, segmentIds } = args.inputs;
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  util.assert(segmentIds.shape.length === 1, () => 'UnsortedSegmentSum on wasm needs 1-D segmentIds');
  const backend = args.backend;
  const inner = util.sizeFromShape(x.shape.slice(1));
  const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], dtype);
  const src = backend.typedArrayFromHeap(x) as FloatArray;
  const ids = backend.typedArrayFromHeap(segmentIds) as FloatArray;
  const dst = backend.typedArrayFromHeap(out) as FloatArray;
  dst.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue;
    const from = i * inner;
    const to = seg * inner;
    for (let j = 0; j < inner; j++) dst[to + j] += src[from + j];
  }
  return out;
}
