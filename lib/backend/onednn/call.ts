/**
 * How a tfjs kernel hands its tensors to the addon: the WASM heap and byte offsets into it. The addon
 * writes the output in place, so the output is allocated first and the heap taken after: allocating can
 * grow the heap, which replaces its ArrayBuffer.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { OnednnAddon } from './addon';

/** What a kernel function receives, with its input names spelled out. */
export interface KernelArgs<Input extends string> {
  inputs: Record<Input, TensorInfo | undefined>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

/** A oneDNN kernel: the output it wrote, or null where it does not handle the call (the WASM kernel runs). */
export type OnednnKernel = (args: KernelArgs<string>, addon: OnednnAddon) => TensorInfo | TensorInfo[] | null;

/** The heap, taken after every allocation of the call. */
export function heap(backend: BackendWasm): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

/** Byte offset of a tensor on the heap; -1 for an absent optional input. */
export function offset(backend: BackendWasm, t: TensorInfo | undefined): number {
  return t == null ? -1 : backend.getMemoryOffset(t.dataId);
}

/** tfjs fused activations as the addon numbers them (native/onednn/src/common.h); prelu has no code. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

export function activationCode(activation: unknown): number | undefined {
  return ACTIVATIONS[(activation as string | undefined) ?? 'linear'];
}

/** A bias that is one value per output channel (tfjs allows any broadcastable shape). */
export function isChannelBias(bias: TensorInfo | undefined, channels: number): boolean {
  return bias == null || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === channels);
}

/**
 * Runs `allocate`, then the addon on the heap; an output the addon refuses (code PW_UNSUPPORTED) is freed
 * and null returned, so the caller falls back. Any other error is a real failure and propagates.
 */
export function intoOutput(backend: BackendWasm, out: TensorInfo, write: (heap: ArrayBuffer) => void): TensorInfo | null {
  try {
    write(heap(backend));
    return out;
  } catch (err) {
    backend.disposeData(out.dataId);
    if ((err as NodeJS.ErrnoException).code === 'PW_UNSUPPORTED') return null;
    throw err;
  }
}

/**
 * The kernel registered for `name`: the oneDNN kernel where it handles the call, else `fallback`
 * (the WASM backend's kernel of that name, training kernels included).
 */
export function withFallback(kernel: OnednnKernel, fallback: KernelConfig, addon: OnednnAddon): KernelFunc {
  return ((args: KernelArgs<string>) => kernel(args, addon) ?? fallback.kernelFunc(args as never)) as unknown as KernelFunc;
}
