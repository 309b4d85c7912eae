/**
 * The oneDNN engine: the WASM backend with its heavy kernels (convolutions, matrix products, pooling)
 * replaced by oneDNN's, which run on every core with the CPU's widest vector instructions. Tensors stay on
 * the WASM heap and the addon works on them in place, so everything else (elementwise kernels, the tape,
 * the optimizers, saving and loading) is the WASM backend unchanged. A call a oneDNN kernel does not
 * handle runs the WASM kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmVariant } from '../wasm-variant';
import { loadAddon, type OnednnInfo } from './addon';
import { withFallback, type OnednnKernel } from './call';
import { CONV_KERNELS } from './conv';
import { ELEMENTWISE_KERNELS } from './elementwise';
import { fusedKernels, registerFusedReluGradient } from './fused';
import { MATMUL_KERNELS } from './matmul';
import { POOL_KERNELS } from './pool';

/** The tfjs backend name of the engine. */
export const ONEDNN_BACKEND = 'onednn';

const KERNELS = new Map<string, OnednnKernel>([...CONV_KERNELS, ...MATMUL_KERNELS, ...POOL_KERNELS, ...ELEMENTWISE_KERNELS]);

/** Names of the kernels oneDNN (or the addon's own loops) runs. */
export const ONEDNN_KERNELS: readonly string[] = [...KERNELS.keys()];

/**
 * Registers the 'onednn' backend (once) and sets the addon's thread count. Throws with the reason when
 * the addon is absent, so the caller can fall back.
 */
export function registerOnednn(threads: number): OnednnInfo {
  const found = loadAddon();
  if ('reason' in found) throw new Error(found.reason);
  const { addon } = found;
  const info = addon.init(threads);
  registerWasmVariant(ONEDNN_BACKEND, (config) => {
    const kernel = KERNELS.get(config.kernelName);
    return kernel ? withFallback(kernel, config, addon) : config.kernelFunc;
  });
  for (const config of fusedKernels(ONEDNN_BACKEND, addon)) {
    if (tf.getKernel(config.kernelName, ONEDNN_BACKEND) == null) tf.registerKernel(config);
  }
  registerFusedReluGradient();
  return info;
}
