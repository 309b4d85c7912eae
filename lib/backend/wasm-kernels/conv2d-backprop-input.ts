/** The WASM training kernel Conv2DBackpropInput. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { Scratch, withScratch, assertChannelsLast, type Conv2DInfo, type Shape4, type KernelArgs } from './plumbing';

const { backend_util } = tf;

/**
 * dx is the "full" correlation of dy (dilated by the stride) with the filter
 * rotated by 180 degrees and with in/out channels swapped: one XNNPACK conv2d.
 * The shipped kernel is a scalar loop, ~10x slower than the forward conv.
 */
export function conv2DBackpropInput(args: KernelArgs<'dy' | 'filter'>): TensorInfo {
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertChannelsLast(dataFormat, 'Conv2DBackpropInput');
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
  const { filterHeight: FH, filterWidth: FW, inHeight: H, inWidth: W, outHeight: HO, outWidth: WO } = info;
  const top = FH - 1 - info.padInfo.top;
  const left = FW - 1 - info.padInfo.left;
  const bottom = H + FH - 1 - HO - top;
  const right = W + FW - 1 - WO - left;

  return withScratch(args.backend, (s) => {
    const flipped = s.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
    const rotated = s.transpose(flipped, [0, 1, 3, 2]);
    const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
    if (unitStride && Math.min(top, left, bottom, right) >= 0) {
      const paddings = [[0, 0], [top, bottom], [left, right], [0, 0]];
      return s.run(tf.Conv2D, { x: dy, filter: rotated }, { strides: 1, pad: paddings, dilations: 1, dataFormat: 'NHWC' });
    }
    // Strided (or oddly padded) forward conv: spread dy out explicitly.
    // This wastes stride^2 of the conv work on zeros; fine for rare use.
    const spread = dilateAndPad(s, dy, info, top, left);
    return s.run(tf.Conv2D, { x: spread, filter: rotated }, { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' });
  });
}

/**
 * dy [N,HO,WO,O] placed at rows top + y*SH, cols left + x*SW of a zero tensor
 * [N, H+FH-1, W+FW-1, O]; entries falling outside are never needed for dx.
 */
function dilateAndPad(s: Scratch, dy: TensorInfo, info: Conv2DInfo, top: number, left: number): TensorInfo {
  const { batchSize: N, outHeight: HO, outWidth: WO, outChannels: O } = info;
  const PH = info.inHeight + info.filterHeight - 1;
  const PW = info.inWidth + info.filterWidth - 1;
  const out = s.alloc([N, PH, PW, O]);
  const src = s.view(dy);
  const dst = s.view(out);
  dst.fill(0);
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < HO; y++) {
      const r = top + y * info.strideHeight;
      if (r < 0 || r >= PH) continue;
      for (let x = 0; x < WO; x++) {
        const c = left + x * info.strideWidth;
        if (c < 0 || c >= PW) continue;
        const from = ((n * HO + y) * WO + x) * O;
        dst.set(src.subarray(from, from + O), ((n * PH + r) * PW + c) * O);
      }
    }
  }
  return out;
}
