/**
 * The oneDNN engine: the WASM backend with its heavy kernels (convolutions, matrix products, pooling)
 * replaced by oneDNN's and its memory-bound ones (elementwise, sums, tile, batch norm) by the addon's own
 * loops, all on every core with the CPU's widest vector instructions. Tensors stay on the WASM heap and the
 * addon works on them in place, so everything else (the other kernels, the tape, saving and loading) is the
 * WASM backend unchanged. A call a replaced kernel does not handle runs the WASM kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../wasm-kernels';
import { registerWasmVariant } from '../wasm-variant';
import { loadAddon, type OnednnInfo } from './addon';
import { withFallback, type OnednnKernel } from './call';
import { CONV_KERNELS } from './conv';
import { ELEMENTWISE_KERNELS } from './elementwise';
import { fusedKernels, registerFusedGradients } from './fused';
import { MATMUL_KERNELS } from './matmul';
import { POOL_KERNELS } from './pool';

/** The tfjs backend name of the engine. */
export const ONEDNN_BACKEND = 'onednn';

const KERNELS = new Map<string, OnednnKernel>([...CONV_KERNELS, ...MATMUL_KERNELS, ...POOL_KERNELS, ...ELEMENTWISE_KERNELS]);

/** Names of the kernels oneDNN (or the addon's own loops) runs. */
export const ONEDNN_KERNELS: readonly string[] = [...KERNELS.keys()];

/**
 * Registers the 'onednn' backend (once) and sets the addon's thread count (OpenMP's, for this JS thread).
 * Throws with the reason when the addon is absent, so the caller can fall back.
 */
export function registerOnednn(threads: number): OnednnInfo {
  const found = loadAddon();
  if ('reason' in found) throw new Error(found.reason);
  const { addon } = found;
  const info = addon.init(threads);
  if (tf.findBackendFactory(ONEDNN_BACKEND) != null) return info;
  // Our kernels first, each falling back to the 'wasm' one (training kernels included) for the calls it
  // does not handle; registerWasmVariant then fills in every other kernel from 'wasm'.
  registerWasmTrainingKernels();
  for (const [name, kernel] of KERNELS) {
    const fallback = tf.getKernel(name, 'wasm');
    if (fallback == null) throw new Error(`the WASM backend has no ${name} kernel to fall back to`);
    tf.registerKernel({ ...fallback, backendName: ONEDNN_BACKEND, kernelFunc: withFallback(kernel, fallback, addon) });
  }
  for (const config of fusedKernels(ONEDNN_BACKEND, addon)) tf.registerKernel(config);
  registerFusedGradients();
  const wasmFactory = tf.findBackendFactory('wasm') as () => Promise<BackendWasm>;
  registerWasmVariant(ONEDNN_BACKEND, wasmFactory);
  return info;
}
