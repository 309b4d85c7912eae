/**
 * A tfjs backend under a name of its own that is the WASM backend underneath: its own WASM module (its
 * own heap) and every kernel registered for 'wasm', our training kernels included, some of them replaced.
 * A name of its own lets tf.getBackend() tell the engines apart, lets a test run two of them in one
 * process, and keeps the plain 'wasm' backend's kernels untouched.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels';

/** Priority below 'wasm' (2): never picked by tfjs on its own, only by initBackend. */
const VARIANT_PRIORITY = 1;

/**
 * Registers backend `name` made by `factory` (by default a fresh instance of the WASM backend), with a
 * copy of every 'wasm' kernel passed through `replace` (which returns the kernel function to register,
 * given the WASM one). Idempotent: a name already registered is left as it is.
 */
export function registerWasmVariant(
  name: string,
  replace: (config: KernelConfig) => KernelConfig['kernelFunc'] = (config) => config.kernelFunc,
  factory?: () => KernelBackend | Promise<KernelBackend>,
): void {
  registerWasmTrainingKernels();
  if (tf.findBackendFactory(name) != null) return;
  const wasmFactory = tf.findBackendFactory('wasm');
  if (wasmFactory == null) throw new Error('@tensorflow/tfjs-backend-wasm registered no "wasm" backend');
  for (const config of tf.getKernelsForBackend('wasm')) {
    // The shipped setupFunc binds the kernel's C++ entry point to the module being set up: it runs again
    // for this backend's module whenever tf.setBackend(name) makes it active.
    tf.registerKernel({ ...config, backendName: name, kernelFunc: replace(config) });
  }
  tf.registerBackend(name, factory ?? wasmFactory, VARIANT_PRIORITY);
}
