/**
 * Training kernels for the tfjs WASM backend (tfjs 4.22).
 *
 * Out of the box the WASM backend cannot train a CNN: it has no
 * Conv2DBackpropFilter, no UnsortedSegmentSum (gradient of gather/embedding),
 * no depthwise-conv gradients, and several gradient kernels it does have are
 * slow scalar C++ loops (Conv2DBackpropInput, MaxPoolGrad, BatchMatMul with a
 * transposed operand or a batch dimension); its Slice copies the whole input.
 * Every kernel is built from the backend's own fast forward kernels
 * (XNNPACK conv2d / depthwise conv / fully-connected matmul, C++ transpose
 * and pad) or from a plain JS loop over the wasm heap where the work is only
 * memory traffic. The depthwise-conv gradients (unused by our models) run
 * the CPU backend's kernels on copies.
 *
 * One kernel per file here; plumbing.ts holds what they share, this file registers them.
 * Kernel functions receive and return TensorInfo on the wasm heap. Every
 * intermediate made here is released with backend.disposeData (see Scratch).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { batchMatMul } from './batch-mat-mul';
import { conv2DBackpropFilter } from './conv2d-backprop-filter';
import { conv2DBackpropInput } from './conv2d-backprop-input';
import { onCpu } from './depthwise-on-cpu';
import { maxPoolGrad } from './max-pool-grad';
import { originals, type KernelArgs } from './plumbing';
import { slice } from './slice';
import { unsortedSegmentSum } from './unsorted-segment-sum';

/** Marks our kernel functions so a second registration is a no-op. */
const MARK = Symbol.for('pixelwise.wasmTrainingKernel');

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
