/**
 * Kernels that are memory traffic rather than arithmetic, on the addon's loops (every core, full vector
 * width; native/onednn/src/elementwise.cc). Identity, and a Cast to the dtype a tensor already has, share
 * the input's data instead of copying it: tfjs tensors are immutable and the WASM backend counts
 * references, as the CPU backend already relies on. The gradient tape runs both for every pass-through.
 * A contiguous Slice is shared or copied in one move. Otherwise float32 only; other dtypes, and broadcasts
 * other than a trailing or leading block, run on WASM.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { OnednnAddon } from './addon';
import { intoOutput, offset, type KernelArgs, type OnednnKernel } from './call';

function share(args: KernelArgs<string>, x: TensorInfo): TensorInfo {
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function identity(args: KernelArgs<'x'>): TensorInfo | null {
  const x = args.inputs.x as TensorInfo;
  return x.dtype === 'string' ? null : share(args, x);
}

/** The unary loops' op codes (elementwise.cc, unary). */
const UNARY = { relu: 0, step: 1, square: 2, sqrt: 3, neg: 4, boolToFloat: 5, exp: 6, erf: 7, rsqrt: 8, log: 9, tanh: 10 } as const;

function runUnary(args: KernelArgs<string>, addon: OnednnAddon, x: TensorInfo, op: number, alpha = 0): TensorInfo | null {
  const { backend } = args;
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  return intoOutput(backend, out, (heap) => addon.unary(heap, offset(backend, x), offset(backend, out), n, op, alpha));
}

function unary(op: number): OnednnKernel {
  return (args, addon) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype !== 'float32') return null;
    return runUnary(args, addon, x, op, (args.attrs?.alpha as number | undefined) ?? 0);
  };
}

function cast(args: KernelArgs<'x'>, addon: OnednnAddon): TensorInfo | null {
  const x = args.inputs.x as TensorInfo;
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (dtype === x.dtype && dtype !== 'string') return share(args, x);
  return x.dtype === 'bool' && dtype === 'float32' ? runUnary(args, addon, x, UNARY.boolToFloat) : null;
}

/** How the binary loops index an operand (elementwise.cc, Broadcast): its kind and element count. */
function broadcastOf(shape: number[], out: number[]): [kind: number, len: number] | null {
  const s = [...new Array(out.length - shape.length).fill(1), ...shape];
  const n = tf.util.sizeFromShape(out);
  if (tf.util.arraysEqual(s, out)) return [0, n];
  if (tf.util.sizeFromShape(s) === 1) return [1, 1];
  // Trailing: ones, then the output's own dimensions (a bias). Leading: the output's, then ones.
  const firstKept = s.findIndex((d) => d !== 1);
  if (s.slice(firstKept).every((d, j) => d === out[firstKept + j])) return [1, tf.util.sizeFromShape(s)];
  const lastKept = s.length - 1 - [...s].reverse().findIndex((d) => d !== 1);
  if (s.slice(0, lastKept + 1).every((d, j) => d === out[j])) return [2, tf.util.sizeFromShape(s)];
  return null;
}

function binary(op: number): OnednnKernel {
  return (args, addon) => {
    const { a, b } = args.inputs as Record<string, TensorInfo>;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const ka = broadcastOf(a.shape, shape);
    const kb = broadcastOf(b.shape, shape);
    const n = tf.util.sizeFromShape(shape);
    if (ka == null || kb == null || n === 0) return null;
    const { backend } = args;
    const out = backend.makeOutput(shape, 'float32');
    return intoOutput(backend, out, (heap) =>
      addon.binary(heap, offset(backend, a), ...ka, offset(backend, b), ...kb, offset(backend, out), n, op));
  };
}

/** Sum (or Mean) over leading axes (a bias gradient: N, H, W of NHWC) or trailing axes (per-row totals). */
function reduce(mean: boolean): OnednnKernel {
  return (args, addon) => sumOrMean(args, addon, mean);
}

function sumOrMean(args: KernelArgs<string>, addon: OnednnAddon, mean: boolean): TensorInfo | null {
  const x = args.inputs.x as TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) return null;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const r = x.shape.length;
  const leading = axes.every((ax, j) => ax === j);
  const trailing = axes.every((ax, j) => ax === r - axes.length + j);
  if (axes.length === 0 || (!leading && !trailing)) return null;
  const split = leading ? axes.length : r - axes.length;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, split));
  const cols = tf.util.sizeFromShape(x.shape.slice(split));
  const shape = keepDims ? x.shape.map((d, j) => (axes.includes(j) ? 1 : d)) : x.shape.filter((_, j) => !axes.includes(j));
  const { backend } = args;
  const out = backend.makeOutput(shape, 'float32');
  const divisor = mean ? (leading ? rows : cols) : 1;
  return intoOutput(backend, out, (heap) => addon.sum(heap, offset(backend, x), offset(backend, out), rows, cols, leading ? 1 : 0, divisor));
}

/** Tile: batch norm's gradient tiles its per-channel scale over the batch with it. */
function tile(args: KernelArgs<'x'>, addon: OnednnAddon): TensorInfo | null {
  const x = args.inputs.x as TensorInfo;
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  if (x.dtype !== 'float32' || x.shape.length === 0 || x.shape.length > 8) return null;
  const shape = x.shape.map((d, i) => d * reps[i]);
  if (tf.util.sizeFromShape(shape) === 0) return null;
  const { backend } = args;
  const out = backend.makeOutput(shape, 'float32');
  return intoOutput(backend, out, (heap) => addon.tile(heap, offset(backend, x), offset(backend, out), x.shape.length, ...x.shape, ...reps));
}

/**
 * Slice where the selection is one contiguous run of the input (a range of batch rows, as model.predict and
 * the training loop take them): the whole input is shared, a part copied in one move. Other slices go to
 * the WASM kernel, which copies run by run along the last axis: for one-channel images, one pixel at a time.
 */
function slice(args: KernelArgs<'x'>): TensorInfo | null {
  const x = args.inputs.x as TensorInfo;
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  if (x.dtype === 'string') return null;
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
  if (!tf.slice_util.isSliceContinous(x.shape, start, extent)) return null;
  if (tf.util.arraysEqual(extent, x.shape)) return share(args, x);
  const { backend } = args;
  const out = backend.makeOutput(extent, x.dtype);
  const bytes = tf.util.bytesPerElement(x.dtype);
  const from = offset(backend, x) + tf.slice_util.computeFlatOffset(start, tf.util.computeStrides(x.shape)) * bytes;
  backend.wasm.HEAPU8.copyWithin(offset(backend, out), from, from + tf.util.sizeFromShape(extent) * bytes);
  return out;
}

/**
 * SplitV along an axis with only ones before it, so each piece is one contiguous run of the input (the
 * attention's queries, keys and values): each copied in one move. The WASM kernel slices run by run.
 */
function splitV(args: KernelArgs<'x'>): TensorInfo[] | null {
  const x = args.inputs.x as TensorInfo;
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const dim = tf.util.parseAxisParam(axis, x.shape)[0];
  if (x.dtype === 'string' || tf.util.sizeFromShape(x.shape.slice(0, dim)) !== 1) return null;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, dim);
  if (tf.util.sizeFromShape(x.shape) === 0 || sizes.includes(0)) return null;
  const { backend } = args;
  const bytes = tf.util.bytesPerElement(x.dtype);
  const rowBytes = (tf.util.sizeFromShape(x.shape) / x.shape[dim]) * bytes;
  let from = 0;
  return sizes.map((size) => {
    const shape = [...x.shape];
    shape[dim] = size;
    const out = backend.makeOutput(shape, x.dtype);
    // Offsets after the allocation: it may have moved the heap.
    const start = offset(backend, x) + from;
    backend.wasm.HEAPU8.copyWithin(offset(backend, out), start, start + size * rowBytes);
    from += size * rowBytes;
    return out;
  });
}

/** Transpose of a float32 tensor: the attention's head split and merge. */
function transpose(args: KernelArgs<'x'>, addon: OnednnAddon): TensorInfo | null {
  const x = args.inputs.x as TensorInfo;
  const { perm } = args.attrs as unknown as tf.TransposeAttrs;
  if (x.dtype !== 'float32' || x.shape.length === 0 || x.shape.length > 8 || tf.util.sizeFromShape(x.shape) === 0) return null;
  const { backend } = args;
  const out = backend.makeOutput(perm.map((p) => x.shape[p]), 'float32');
  return intoOutput(backend, out, (heap) => addon.transpose(heap, offset(backend, x), offset(backend, out), x.shape.length, ...x.shape, ...perm));
}

/** FusedBatchNorm on channels-last data, each parameter a scalar or one value per channel. */
function batchNorm(args: KernelArgs<'x' | 'mean' | 'variance' | 'offset' | 'scale'>, addon: OnednnAddon): TensorInfo | null {
  const { x, mean, variance, offset: shift, scale } = args.inputs;
  const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
  if (x == null || mean == null || variance == null || x.dtype !== 'float32' || x.shape.length === 0) return null;
  const channels = x.shape[x.shape.length - 1];
  const lengths = [mean, variance, shift, scale].map((t) => (t == null ? 1 : tf.util.sizeFromShape(t.shape)));
  if ([mean, variance, shift, scale].some((t) => t != null && t.dtype !== 'float32') || lengths.some((l) => l !== 1 && l !== channels)) return null;
  const { backend } = args;
  const n = tf.util.sizeFromShape(x.shape);
  const out = backend.makeOutput(x.shape, 'float32');
  return intoOutput(backend, out, (heap) => addon.batchNorm(heap, ...[x, mean, variance, shift, scale].map((t) => offset(backend, t)),
    offset(backend, out), n, channels, varianceEpsilon, ...lengths));
}

/** Softmax over the last axis (the only one tfjs's kernel takes), float32 (native/onednn/src/norm.cc). */
function softmax(args: KernelArgs<'logits'>, addon: OnednnAddon): TensorInfo | null {
  const logits = args.inputs.logits as TensorInfo;
  const cols = logits.shape[logits.shape.length - 1];
  const n = tf.util.sizeFromShape(logits.shape);
  if (logits.dtype !== 'float32' || n === 0) return null;
  const { backend } = args;
  const out = backend.makeOutput(logits.shape, 'float32');
  return intoOutput(backend, out, (heap) => addon.softmax(heap, offset(backend, logits), offset(backend, out), n / cols, cols));
}

export const ELEMENTWISE_KERNELS: ReadonlyArray<[string, OnednnKernel]> = [
  [tf.Identity, identity as OnednnKernel],
  [tf.Cast, cast as OnednnKernel],
  [tf.Relu, unary(UNARY.relu)],
  [tf.Step, unary(UNARY.step)],
  [tf.Square, unary(UNARY.square)],
  [tf.Sqrt, unary(UNARY.sqrt)],
  [tf.Neg, unary(UNARY.neg)],
  [tf.Exp, unary(UNARY.exp)],
  [tf.Erf, unary(UNARY.erf)],
  [tf.Rsqrt, unary(UNARY.rsqrt)],
  [tf.Log, unary(UNARY.log)],
  [tf.Tanh, unary(UNARY.tanh)],
  [tf.Add, binary(0)],
  [tf.Sub, binary(1)],
  [tf.Multiply, binary(2)],
  [tf.RealDiv, binary(3)],
  [tf.Sum, reduce(false)],
  [tf.Mean, reduce(true)],
  [tf.Tile, tile as OnednnKernel],
  [tf.Transpose, transpose as OnednnKernel],
  [tf.Slice, slice as OnednnKernel],
  [tf.SplitV, splitV as OnednnKernel],
  [tf.FusedBatchNorm, batchNorm as OnednnKernel],
  [tf.Softmax, softmax as OnednnKernel],
];
