/**
 * What every WASM training kernel shares: the backend's shipped kernels (captured before ours replace them),
 * Scratch for the intermediates of one call, and the small helpers the convolution kernels use.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const { backend_util, util } = tf;

export type Conv2DInfo = ReturnType<typeof backend_util.computeConv2DInfo>;
export type Shape4 = [number, number, number, number];
export type FloatArray = Float32Array | Int32Array;
/** What a kernel function receives, with its input names spelled out. */
export interface KernelArgs<Input extends string> {
  inputs: Record<Input, TensorInfo>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

/** Kernels as the backend shipped them, captured before we override any. */
export const originals = new Map<string, KernelConfig>();

/** Runs the backend's own implementation of a kernel (never our override). */
export function runKernel(
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
export class Scratch {
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
export function withScratch(backend: BackendWasm, body: (s: Scratch) => TensorInfo): TensorInfo {
  const s = new Scratch(backend);
  try {
    return s.keep(body(s));
  } finally {
    s.dispose();
  }
}

export function assertChannelsLast(dataFormat: 'NHWC' | 'NCHW' | undefined, kernel: string): void {
  if (dataFormat === 'NCHW') {
    throw new Error(`${kernel} on wasm supports only dataFormat NHWC`);
  }
}

/** Plain 2-D product a[M,K] x b[K,N] on XNNPACK (the only fast BatchMatMul path). */
export function matMul2D(s: Scratch, a: TensorInfo, b: TensorInfo): TensorInfo {
  return s.run(tf.BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
}

/** A copy of `shape`-many elements of t starting at flat offset `from`. */
export function rowsOf(s: Scratch, t: TensorInfo, from: number, shape: number[]): TensorInfo {
  const out = s.alloc(shape);
  s.view(out).set(s.view(t).subarray(from, from + util.sizeFromShape(shape)));
  return out;
}
