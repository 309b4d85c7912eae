/**
 * Variants of the tfjs WASM backend: more tfjs backend names whose instances are BackendWasm objects over
 * an Emscripten module of their own, and which run the kernels of 'wasm'. A name of its own lets
 * tf.getBackend() tell the engines apart and lets tests compare a variant with plain 'wasm' in one
 * process. wasm-threaded.ts is one; an engine that replaces a few kernels natively registers those under
 * its name first, then calls registerWasmVariant, which fills in everything else and leaves them alone.
 *
 * Sharing the kernels is safe because each shipped wasm kernel keeps its C++ binding in a module-level
 * variable that its setupFunc fills from the backend it is given, and tfjs runs every setupFunc of a
 * backend on each tf.setBackend: switching between 'wasm' and a variant rebinds them to the active
 * module. Kernels only run on the active backend; a tensor left on the other one is read and freed
 * through its own BackendWasm, which touches only its own module.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { dirname } from 'path';
import { registerWasmTrainingKernels } from './wasm-kernels';

/** The package's Emscripten builds: a factory script, its .wasm binary and its pthread worker script each. */
export const WASM_OUT_DIR = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js'));

/** What an Emscripten factory of tfjs-backend-wasm resolves to. */
export type WasmModule = BackendWasm['wasm'];

/**
 * A BackendWasm over an instantiated module, wrapped the way the package's own init() wraps it, with
 * its XNNPACK thread pool created for `threads` (the C++ side still caps it; see wasm-threaded.ts).
 * The BackendWasm constructor would pass the package-wide count of setThreadsCount instead, and it
 * records the resulting count package-wide, so the package's getThreadsCount() describes whichever
 * backend was built last: ask the instance (`backend.wasm.tfjs.getThreadsCount()`).
 */
export function wasmBackendOver(module: WasmModule, threads: number): BackendWasm {
  const initWithThreadsCount = module.cwrap('init_with_threads_count', null, ['number']);
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: () => initWithThreadsCount(threads),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BackendWasm: Backend } = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  return new Backend(module);
}

/**
 * Registers, for backend `name`, every kernel of 'wasm' that `name` has none of yet, with the same
 * kernelFunc, setupFunc and disposeFunc. Kernels registered for 'wasm' afterwards are not copied.
 */
export function copyWasmKernels(name: string): void {
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    if (tf.getKernel(kernel.kernelName, name) == null) tf.registerKernel({ ...kernel, backendName: name });
  }
}

/**
 * Registers backend `name` with `factory` and gives it the kernels of 'wasm', our training kernels
 * included, wherever it has no kernel of its own. A previous registration of `name` is removed first
 * (tfjs disposes its instance and the tensors on it): that is how a variant is rebuilt, say with
 * another thread count. The low default priority keeps tfjs from ever picking it on its own.
 */
export function registerWasmVariant(name: string, factory: () => Promise<BackendWasm>, priority = 0): void {
  if (tf.findBackendFactory(name) != null) tf.removeBackend(name);
  tf.registerBackend(name, factory, priority);
  registerWasmTrainingKernels(name);
  copyWasmKernels(name);
}
