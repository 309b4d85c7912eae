/**
 * Training kernels for the tfjs WASM backend (tfjs 4.22).
 *
 * Out of the box the WASM backend cannot train a CNN: it has no
 * Conv2DBackpropFilter, no UnsortedSegmentSum (gradient of gather/embedding),
 * no depthwise-conv gradients, and several gradient kernels it does have are
 * slow scalar C++ loops (Conv2DBackpropInput, MaxPoolGrad, BatchMatMul with a
 * transposed operand or a batch dimension); its Slice copies the whole input.
 * Every kernel below is built from the backend's own fast forward kernels
 * (XNNPACK conv2d / depthwise conv / fully-connected matmul, C++ transpose
 * and pad) or from a plain JS loop over the wasm heap where the work is only
 * memory traffic. The depthwise-conv gradients (unused by our models) run
 * the CPU backend's kernels on copies.
 *
 * Kernel functions receive and return TensorInfo on the wasm heap. Every
 * intermediate made here is released with backend.disposeData (see Scratch).
 */
import * as tf from '@tensorflow/tfjs';
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const { backend_util, util, slice_util } = tf;
type Conv2DInfo = ReturnType<typeof backend_util.computeConv2DInfo>;
type Shape4 = [number, number, number, number];
type FloatArray = Float32Array | Int32Array;
/** What a kernel function receives, with its input names spelled out. */
interface KernelArgs<Input extends string> {
  inputs: Record<Input, TensorInfo>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

/** Marks our kernel functions so a second registration is a no-op. */
const MARK = Symbol.for('pixelwise.wasmTrainingKernel');

/** Kernels as the backend shipped them, captured before we override any. */
const originals = new Map<string, KernelConfig>();

// ---------------------------------------------------------------------------
// Plumbing

/** Runs the backend's own implementation of a kernel (never our override). */
function runKernel(
  name: string,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = originals.get(name) ?? tf.getKernel(name, 'wasm');
  if (config == null) throw new Error(`wasm kernel ${name} is not registered`);
  return config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** Tracks intermediates of one kernel call and frees them at the end. */
class Scratch {
  private temps: TensorInfo[] = [];
  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    return this.track(runKernel(name, this.backend, inputs, attrs));
  }
  alloc(shape: number[], dtype: tf.DataType = 'float32', values?: tf.TypedArray): TensorInfo {
    return this.track(this.backend.makeOutput(shape, dtype, undefined, values));
  }
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }
  /** Float view of a tensor. Views die when the heap grows: take them after allocating. */
  view(t: TensorInfo): FloatArray {
    return this.backend.typedArrayFromHeap(t) as FloatArray;
  }
  /** Removes `t` from the temporaries so it survives as the kernel output. */
  keep(t: TensorInfo): TensorInfo {
    this.temps = this.temps.filter((x) => x !== t);
    return t;
  }
  /** Frees a temporary now (inside loops, to bound memory). */
  free(t: TensorInfo): void {
    this.temps = this.temps.filter((x) => x !== t);
    this.backend.disposeData(t.dataId);
  }
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps = [];
  }
  private track(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }
}

/** Runs `body` with a Scratch; the returned tensor is kept, the rest freed. */
function withScratch(backend: BackendWasm, body: (s: Scratch) => TensorInfo): TensorInfo {
  const s = new Scratch(backend);
  try {
    return s.keep(body(s));
  } finally {
    s.dispose();
  }
}

function assertChannelsLast(dataFormat: 'NHWC' | 'NCHW' | undefined, kernel: string): void {
  if (dataFormat === 'NCHW') {
    throw new Error(`${kernel} on wasm supports only dataFormat NHWC`);
  }
}

/** Plain 2-D product a[M,K] x b[K,N] on XNNPACK (the only fast BatchMatMul path). */
function matMul2D(s: Scratch, a: TensorInfo, b: TensorInfo): TensorInfo {
  return s.run(tf.BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
}

// ---------------------------------------------------------------------------
// Conv2DBackpropFilter

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
function conv2DBackpropFilter(args: KernelArgs<'x' | 'dy'>): TensorInfo {
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

/** A copy of `shape`-many elements of t starting at flat offset `from`. */
function rowsOf(s: Scratch, t: TensorInfo, from: number, shape: number[]): TensorInfo {
  const out = s.alloc(shape);
  s.view(out).set(s.view(t).subarray(from, from + util.sizeFromShape(shape)));
  return out;
}

function addInto(sum: Float32Array, part: FloatArray): void {
  for (let i = 0; i < sum.length; i++) sum[i] += part[i];
}

// ---------------------------------------------------------------------------
// Conv2DBackpropInput

/**
 * dx is the "full" correlation of dy (dilated by the stride) with the filter
 * rotated by 180 degrees and with in/out channels swapped: one XNNPACK conv2d.
 * The shipped kernel is a scalar loop, ~10x slower than the forward conv.
 */
function conv2DBackpropInput(args: KernelArgs<'dy' | 'filter'>): TensorInfo {
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

// ---------------------------------------------------------------------------
// MaxPoolGrad

/**
 * Routes each dy to the first maximum of its window (row-major order, strict
 * '>' so ties go to the first one, like the CPU backend). A single pass over
 * x in JS; the shipped C++ kernel is ~10x slower.
 */
function maxPoolGrad(args: KernelArgs<'dy' | 'input' | 'output'>): TensorInfo {
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

// ---------------------------------------------------------------------------
// BatchMatMul

/**
 * The shipped kernel uses XNNPACK only for a single 2-D product without
 * transposes; anything else (dense-layer gradients use transposeA/B, attention
 * uses batches, x[B,T,D] . w[D,U] broadcasts) runs a scalar loop.
 * Here: transposes become explicit (fast) transposes, a shared right-hand
 * matrix folds the batch into the rows of one 2-D product, and a true batch
 * runs as one XNNPACK grouped (depthwise) convolution.
 */
function batchMatMul(args: KernelArgs<'a' | 'b'>): TensorInfo {
  const { a, b } = args.inputs;
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error('BatchMatMul on wasm supports only float32 tensors');
  }
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const [M, K] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [K2, N] = transposeB ? [bCols, bRows] : [bRows, bCols];
  util.assert(K === K2, () =>
    `Error in matMul: inner shapes (${K}) and (${K2}) of Tensors with shapes ` +
    `${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...outer, M, N];
  const batch = util.sizeFromShape(outer);

  return withScratch(args.backend, (s) => {
    if (batch * M * N * K === 0) {
      const empty = s.alloc(outShape); // a sum over nothing: zeros
      s.view(empty).fill(0);
      return empty;
    }
    // Operands as [batch or 1, rows, cols] in their stored orientation.
    const a3 = batched(s, a, outer);
    const b3 = batched(s, b, outer);
    const aBatch = a3.shape[0];
    const bBatch = b3.shape[0];
    let out: TensorInfo;
    if (bBatch === 1) {
      // Shared right operand: stack all left rows into one 2-D product.
      const aRowsAll = s.reshape(plain(s, a3, transposeA), [1, aBatch * M, K]);
      out = matMul2D(s, aRowsAll, plain(s, b3, transposeB));
    } else if (aBatch === 1) {
      out = sharedLeft(s, plain(s, a3, transposeA), b3, transposeB);
    } else if (K >= 32 && M * K * N >= 64 * 64 * 64) {
      // Big products: separate GEMMs beat the grouped conv (measured 1.5-2.5x).
      out = perBatchProducts(s, plain(s, a3, transposeA), plain(s, b3, transposeB));
    } else {
      out = groupedProduct(s, a3, b3, transposeA, transposeB);
    }
    return s.reshape(out, outShape);
  });
}

/**
 * x as [B,r,c]: B = 1 when its batch dims are all 1 (shared by every batch),
 * else the full broadcast batch (tiling only in the rare mixed case).
 */
function batched(s: Scratch, x: TensorInfo, outer: number[]): TensorInfo {
  const inner = x.shape.slice(-2);
  const own = x.shape.slice(0, -2);
  const size = util.sizeFromShape(own);
  if (size === 1) return s.reshape(x, [1, ...inner]);
  const total = util.sizeFromShape(outer);
  if (size === total) return s.reshape(x, [total, ...inner]);
  const padded = [...new Array(outer.length - own.length).fill(1), ...own];
  const tiled = s.run(tf.Tile, { x: s.reshape(x, [...padded, ...inner]) }, {
    reps: [...outer.map((d, i) => d / padded[i]), 1, 1],
  });
  return s.reshape(tiled, [total, ...inner]);
}

/** [B,r,c] stored transposed or not -> contiguous [B,rows,cols] as used. */
function plain(s: Scratch, x: TensorInfo, transposed: boolean): TensorInfo {
  return transposed ? s.transpose(x, [0, 2, 1]) : x;
}

/** a[1,M,K] . b[B,K,N]: one product a . [K, B*N], then batch back to the front. */
function sharedLeft(s: Scratch, a: TensorInfo, b3: TensorInfo, transposeB: boolean): TensorInfo {
  const B = b3.shape[0];
  const [M, K] = a.shape.slice(1);
  const bKBN = s.transpose(b3, transposeB ? [2, 0, 1] : [1, 0, 2]);
  const N = bKBN.shape[2];
  const out = matMul2D(s, a, s.reshape(bKBN, [1, K, B * N]));
  return s.transpose(s.reshape(out, [M, B, N]), [1, 0, 2]);
}

/** a[B,M,K] . b[B,K,N] as B separate XNNPACK products (for big matrices). */
function perBatchProducts(s: Scratch, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = s.alloc([B, M, N]);
  for (let i = 0; i < B; i++) {
    const ai = rowsOf(s, a, i * M * K, [M, K]);
    const bi = rowsOf(s, b, i * K * N, [K, N]);
    const oi = matMul2D(s, ai, bi);
    s.view(out).set(s.view(oi), i * M * N);
    s.free(ai);
    s.free(bi);
    s.free(oi);
  }
  return out;
}

/**
 * a[B,M,K] . b[B,K,N] as a depthwise conv: image [M, K, 1, B] (batch index
 * as channel, K as height) with filter [K, 1, B, N] (channel multiplier N)
 * gives out[m, 0, 0, b*N + n] = sum_k a[b,m,k] b[b,k,n]. XNNPACK runs it as
 * B GEMMs in one call: 2.5-4x faster than the scalar loop, and faster than
 * separate products when they are small (attention heads).
 */
function groupedProduct(
  s: Scratch, a3: TensorInfo, b3: TensorInfo, transposeA: boolean, transposeB: boolean,
): TensorInfo {
  const B = a3.shape[0];
  const image = s.transpose(a3, transposeA ? [2, 1, 0] : [1, 2, 0]); // [M, K, B]
  const [M, K] = image.shape;
  const filter = s.transpose(b3, transposeB ? [2, 0, 1] : [1, 0, 2]); // [K, B, N]
  const N = filter.shape[2];
  const out = s.run(tf.DepthwiseConv2dNative, {
    x: s.reshape(image, [M, K, 1, B]),
    filter: s.reshape(filter, [K, 1, B, N]),
  }, { strides: 1, pad: 'valid', dilations: 1 });
  return s.transpose(s.reshape(out, [M, B, N]), [1, 0, 2]);
}

// ---------------------------------------------------------------------------
// UnsortedSegmentSum (missing): gradient of gather, e.g. embeddings.

/** out[s, ...] = sum of x[i, ...] over i with segmentIds[i] = s; others dropped. */
function unsortedSegmentSum(args: KernelArgs<'x' | 'segmentIds'>): TensorInfo {
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

// ---------------------------------------------------------------------------
// Slice

/**
 * Copies only the selected rows straight from the heap. The shipped kernel
 * first copies the whole input (readSync) on every call, which concat
 * gradients and token slicing hit repeatedly.
 */
function slice(args: KernelArgs<'x'>): TensorInfo {
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

// ---------------------------------------------------------------------------
// Depthwise conv gradients (missing): delegated to the CPU backend.

/**
 * Depthwise/separable convs are not part of our models; rather than a second
 * set of conv tricks, their gradients run the CPU backend's kernel on copies.
 */
function onCpu(name: string): KernelFunc {
  return (args) => {
    const wasm = args.backend as BackendWasm;
    const cpu = tf.engine().findBackend('cpu');
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (cpu == null || cpuKernel == null) throw new Error(`${name}: CPU backend unavailable`);
    const inputs: Record<string, TensorInfo> = {};
    for (const [key, t] of Object.entries(args.inputs as Record<string, TensorInfo>)) {
      const values = wasm.readSync(t.dataId) as tf.TypedArray;
      inputs[key] = { dataId: cpu.write(values, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    }
    try {
      const result = cpuKernel.kernelFunc({ inputs, backend: cpu, attrs: args.attrs });
      const outs = Array.isArray(result) ? result : [result];
      const copies = outs.map((o) => {
        const values = cpu.readSync(o.dataId) as tf.TypedArray;
        cpu.disposeData(o.dataId);
        return wasm.makeOutput(o.shape, o.dtype, undefined, values);
      });
      return Array.isArray(result) ? copies : copies[0];
    } finally {
      for (const t of Object.values(inputs)) cpu.disposeData(t.dataId);
    }
  };
}

// ---------------------------------------------------------------------------
// Registration

/** Our typed kernel functions, as the registry's untyped KernelFunc. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const asKernel = (f: (args: KernelArgs<any>) => TensorInfo): KernelFunc => f as unknown as KernelFunc;

/** Our kernels by name; each replaces (or adds) the 'wasm' kernel of that name. */
const TRAINING_KERNELS: ReadonlyArray<[string, KernelFunc]> = [
  [tf.Conv2DBackpropFilter, asKernel(conv2DBackpropFilter)],
  [tf.Conv2DBackpropInput, asKernel(conv2DBackpropInput)],
  [tf.MaxPoolGrad, asKernel(maxPoolGrad)],
  [tf.BatchMatMul, asKernel(batchMatMul)],
  [tf.UnsortedSegmentSum, asKernel(unsortedSegmentSum)],
  [tf.Slice, asKernel(slice)],
  [tf.DepthwiseConv2dNativeBackpropInput, onCpu(tf.DepthwiseConv2dNativeBackpropInput)],
  [tf.DepthwiseConv2dNativeBackpropFilter, onCpu(tf.DepthwiseConv2dNativeBackpropFilter)],
];

for (const [, kernelFunc] of TRAINING_KERNELS) Object.defineProperty(kernelFunc, MARK, { value: true });

/** Names of the kernels registered by registerWasmTrainingKernels. */
export const WASM_TRAINING_KERNELS: readonly string[] = TRAINING_KERNELS.map(([name]) => name);

function isOurs(config: KernelConfig | undefined): boolean {
  return config != null && (config.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

/**
 * Registers the training kernels for backend `backendName` (default 'wasm'), replacing the shipped ones
 * of the same name; for a variant of the WASM backend (wasm-variant.ts) a kernel it registered itself
 * (a native override) is kept. Idempotent. Works before or after the backend is initialised; loads
 * @tensorflow/tfjs-backend-wasm so its kernels exist.
 */
export function registerWasmTrainingKernels(backendName = 'wasm'): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  // The shipped kernels are captured from 'wasm' before anything replaces them.
  if (backendName !== 'wasm') registerWasmTrainingKernels('wasm');
  for (const [name, kernelFunc] of TRAINING_KERNELS) {
    const existing = tf.getKernel(name, backendName);
    if (isOurs(existing)) continue;
    const shipped = backendName === 'wasm' ? existing : originals.get(name);
    if (existing != null && existing.kernelFunc !== shipped?.kernelFunc) continue;
    if (existing != null) {
      if (backendName === 'wasm') originals.set(name, existing);
      tf.unregisterKernel(name, backendName);
    }
    // Keep the shipped setupFunc: other shipped kernels may call its C++ binding.
    tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: shipped?.setupFunc });
  }
}
