/** The WASM training kernel MaxPoolGrad. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { Shape4, FloatArray, KernelArgs } from './plumbing';

const { backend_util } = tf;

/**
 * Routes each dy to the first maximum of its window (row-major order, strict
 * '>' so ties go to the first one, like the CPU backend). A single pass over
 * x in JS; the shipped C++ kernel is ~10x slower.
 */
export function maxPoolGrad(args: KernelArgs<'dy' | 'input' | 'output'>): TensorInfo {
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: HO, outWidth: WO } = info;
  const { strideHeight: SH, strideWidth: SW, filterHeight: FH, filterWidth: FW } = info;
  const { top: padT, left: padL } = info.padInfo;
  const backend = args.backend;
  const dx = backend.makeOutput(input.shape, 'float32');
  const x = backend.typedArrayFromHeap(input) as FloatArray;
  const g = backend.typedArrayFromHeap(dy) as FloatArray;
  const out = backend.typedArrayFromHeap(dx) as FloatArray;
  out.fill(0);
  const bases = new Int32Array(FH * FW); // offsets of the window's in-bounds pixels
  let d = 0;
  for (let n = 0; n < N; n++) {
    for (let yo = 0; yo < HO; yo++) {
      for (let xo = 0; xo < WO; xo++, d += C) {
        let count = 0;
        for (let kh = 0; kh < FH; kh++) {
          const yi = yo * SH - padT + kh;
          if (yi < 0 || yi >= H) continue;
          for (let kw = 0; kw < FW; kw++) {
            const xi = xo * SW - padL + kw;
            if (xi >= 0 && xi < W) bases[count++] = ((n * H + yi) * W + xi) * C;
          }
        }
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let where = -1;
          for (let k = 0; k < count; k++) {
            const v = x[bases[k] + c];
            if (v > best) {
              best = v;
              where = bases[k] + c;
            }
          }
          if (where >= 0) out[where] += g[d + c];
        }
      }
    }
  }
  return dx;
}
