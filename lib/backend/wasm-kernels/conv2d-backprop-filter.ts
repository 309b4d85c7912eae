/** The WASM training kernel Conv2DBackpropFilter. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { Scratch, withScratch, assertChannelsLast, matMul2D, rowsOf, type Conv2DInfo, type Shape4, type FloatArray, type KernelArgs } from './plumbing';

const { backend_util } = tf;

/**
 * dW[kh,kw,c,o] = sum_{n,y,x} x[n, y*s+kh-padT, x*s+kw-padL, c] * dy[n,y,x,o]
 * is the matmul P[(kh,kw,c), (n,y,x)] . dy[(n,y,x), o] with P the transposed
 * im2col matrix of x; its rows come out in the layout of dW.
 * The (n,y,x) reduction runs in chunks of a few samples so each chunk of P
 * stays in cache while built and the packed dy chunk stays in cache while
 * XNNPACK streams it once per group of rows of P. Partial sums are added in JS.
 * Faster than "dW = conv(x^T, dy^T)", whose filter is as large as dy and is
 * streamed from memory once per output pixel group.
 */
export function conv2DBackpropFilter(args: KernelArgs<'x' | 'dy'>): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast(dataFormat, 'Conv2DBackpropFilter');
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4, filterShape as Shape4, strides, 1, pad, dimRoundingMode);
  const N = info.batchSize;
  const O = info.outChannels;
  const patchRows = info.filterHeight * info.filterWidth * info.inChannels;
  const sum = new Float32Array(patchRows * O);

  return withScratch(args.backend, (s) => {
    const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
    const patches = unitStride ? rowPatches(s, x, dy, info) : windowPatches(s, x, dy, info);
    const cols = patches.colsPerSample;
    const samplesPerChunk = Math.max(1, Math.floor(PATCH_CHUNK_FLOATS / (patchRows * cols)));
    for (let n0 = 0; n0 < N; n0 += samplesPerChunk) {
      const n1 = Math.min(N, n0 + samplesPerChunk);
      const P = s.alloc([patchRows, (n1 - n0) * cols]);
      patches.fill(s.view(P), n0, n1);
      const dyChunk = rowsOf(s, patches.dy, n0 * cols * O, [(n1 - n0) * cols, O]);
      const part = matMul2D(s, P, dyChunk);
      addInto(sum, s.view(part));
      // Freed now: bounds memory, and drops XNNPACK's packed copy of dyChunk.
      s.free(P);
      s.free(dyChunk);
      s.free(part);
    }
    return s.alloc(filterShape, 'float32', sum);
  });
}

/** Floats per chunk of P (4 MB). */
const PATCH_CHUNK_FLOATS = 1024 * 1024;

/**
 * How to build chunks of P: `fill` writes the columns of samples [n0, n1) of
 * P (all zero where the window lies in the padding); `dy` holds the matching
 * rows, `colsPerSample` per sample.
 */
interface Patches {
  colsPerSample: number;
  dy: TensorInfo;
  fill(P: FloatArray, n0: number, n1: number): void;
}

/**
 * Unit stride: x padded, channel-major [C,N,Hp,Wp]. Taking whole padded rows
 * (Wp columns instead of WO), the patch row of (tap, c, n) is ONE contiguous
 * run of the image plane, starting at kh*Wp + kw. The Wp-WO extra columns per
 * row hold x values wrapped from the next row; dy is padded with zeros to
 * width Wp so they add nothing (only a non-finite x, which already poisons
 * the forward pass, could leak through 0 * Inf).
 */
function rowPatches(s: Scratch, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): Patches {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: HO, outWidth: WO, filterHeight: FH, filterWidth: FW } = info;
  const { top, bottom, left, right } = info.padInfo;
  const padded = (t: TensorInfo, p: number[][]) =>
    p.some(([a, b]) => a !== 0 || b !== 0) ? s.run(tf.PadV2, { x: t }, { paddings: p, constantValue: 0 }) : t;
  const xT = C === 1 ? s.reshape(x, [1, N, H, W]) : s.transpose(x, [3, 0, 1, 2]);
  const xP = padded(xT, [[0, 0], [0, 0], [top, bottom], [left, right]]);
  const [HP, WP] = xP.shape.slice(2);
  const plane = HP * WP;
  const run = HO * WP;
  const dyP = padded(dy, [[0, 0], [0, 0], [0, WP - WO], [0, 0]]);
  return {
    colsPerSample: run,
    dy: dyP,
    fill(P, n0, n1) {
      const src = s.view(xP);
      let o = 0;
      for (let kh = 0; kh < FH; kh++) {
        for (let kw = 0; kw < FW; kw++) {
          const start = kh * WP + kw;
          const len = Math.min(run, plane - start); // never read past the plane
          for (let c = 0; c < C; c++) {
            for (let n = n0; n < n1; n++, o += run) {
              const from = (c * N + n) * plane + start;
              P.set(src.subarray(from, from + len), o);
              P.fill(0, o + len, o + run);
            }
          }
        }
      }
    },
  };
}

/** Any stride: element-wise gather from channel-major x [C,N,H,W]. */
function windowPatches(s: Scratch, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): Patches {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: HO, outWidth: WO } = info;
  const { strideHeight: SH, strideWidth: SW, filterHeight: FH, filterWidth: FW } = info;
  const { top: padT, left: padL } = info.padInfo;
  const xT = C === 1 ? x : s.transpose(x, [3, 0, 1, 2]);
  return {
    colsPerSample: HO * WO,
    dy,
    fill(P, n0, n1) {
      const src = s.view(xT);
      P.fill(0);
      let o = 0;
      for (let kh = 0; kh < FH; kh++) {
        for (let kw = 0; kw < FW; kw++) {
          // Output columns whose input column xo*SW + kw - padL lies inside [0, W).
          const xoBegin = Math.max(0, Math.ceil((padL - kw) / SW));
          const xoEnd = Math.min(WO, Math.floor((W - 1 + padL - kw) / SW) + 1);
          for (let c = 0; c < C; c++) {
            for (let n = n0; n < n1; n++) {
              for (let yo = 0; yo < HO; yo++, o += WO) {
                const yi = yo * SH + kh - padT;
                if (yi < 0 || yi >= H) continue;
                const from = ((c * N + n) * H + yi) * W + kw - padL;
                for (let xo = xoBegin; xo < xoEnd; xo++) P[o + xo] = src[from + xo * SW];
              }
            }
          }
        }
      }
    },
  };
}

function addInto(sum: Float32Array, part: FloatArray): void {
  for (let i = 0; i < sum.length; i++) sum[i] += part[i];
}
