/**
 * Picks the tfjs backend, fastest first as `npm run bench` ranks them (docs/performance.md):
 * onednn (the WASM backend with oneDNN's kernels, where the addon is built: lib/backend/onednn)
 * -> tfjs-node (native TensorFlow, optional dependency; it cannot install here to be measured, and runs
 *    the same class of native kernels without our fused training kernels)
 * -> wasm-threaded (XNNPACK on a pool of threads, see wasm-threaded.ts)
 * -> wasm (XNNPACK on one thread) -> cpu (pure JS, slow). Every WASM-based engine gets our training
 * kernels. An explicit preference that cannot load is an error, never a silent fallback.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PixelwiseError, UsageError } from '../util/errors';
import { BACKEND_ORDER, BackendInfo, BackendName, setBackend, unavailable } from './activate';
import { ONEDNN_BACKEND, ONEDNN_KERNELS, registerOnednn } from './onednn';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels';
import { activateWasmThreaded, checkWasmThreads, defaultWasmThreads } from './wasm-threaded';

export type { BackendInfo, BackendName } from './activate';
export { BACKEND_ORDER };

export interface BackendOptions {
  /** Threads of the multi-threaded engines (onednn, wasm-threaded); default: every core, at most 8 (defaultWasmThreads). */
  threads?: number;
}

/** The thread count an engine gets when none is asked for. */
export const defaultThreads = defaultWasmThreads;

let active: BackendInfo | null = null;

/**
 * Activates a backend and returns what was chosen. With a preference, only
 * that backend is tried and failure throws; without, the first one that loads
 * wins. Calling it again returns the active backend without re-initialising,
 * unless another thread count is asked of it.
 */
export async function initBackend(preference?: BackendName, options: BackendOptions = {}): Promise<BackendInfo> {
  // A bad count is an error even where the engine it is for would not be chosen.
  if (options.threads !== undefined) checkWasmThreads(options.threads);
  const sameThreads = options.threads === undefined || options.threads === active?.threads;
  if (active && (preference === undefined || preference === active.name) && sameThreads && tf.getBackend() === active.tfBackend) {
    return active;
  }
  const threads = options.threads ?? defaultThreads();
  if (preference !== undefined) {
    if (!BACKEND_ORDER.includes(preference)) throw new UsageError(`unknown backend "${preference}" (expected ${BACKEND_ORDER.join(', ')})`);
    active = await activate(preference, threads);
    return active;
  }
  const failures: string[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      active = await activate(name, threads);
      return active;
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  throw new PixelwiseError(`no tfjs backend could be initialised: ${failures.join('; ')}`);
}

/** The backend chosen by initBackend, or a description of whatever tfjs is using. */
export function describeBackend(): string {
  if (active && tf.getBackend() === active.tfBackend) return `${active.name} (${active.detail})`;
  return `${tf.getBackend() ?? 'none'} (not chosen by initBackend)`;
}

async function activate(name: BackendName, threads: number): Promise<BackendInfo> {
  switch (name) {
    case 'onednn':
      return activateOnednn(threads);
    case 'node':
      return activateNode();
    case 'wasm-threaded':
      return activateWasmThreaded(threads);
    case 'wasm':
      return activateWasm();
    case 'cpu':
      return activateCpu();
  }
}

async function activateOnednn(threads: number): Promise<BackendInfo> {
  let info;
  try {
    info = registerOnednn(threads);
  } catch (err) {
    throw unavailable('onednn', (err as Error).message);
  }
  await setBackend('onednn', ONEDNN_BACKEND);
  const detail = `oneDNN ${info.version} (${info.isa}) under tfjs-backend-wasm ${tf.version_core}, ` +
    `${info.threads} thread${info.threads === 1 ? '' : 's'}, ${ONEDNN_KERNELS.length} kernels replaced`;
  return { name: 'onednn', tfBackend: ONEDNN_BACKEND, detail, threads: info.threads };
}

async function activateNode(): Promise<BackendInfo> {
  let tfn: { version?: Record<string, string> };
  try {
    // Optional dependency: absent on most machines, so never a static import.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tfn = require('@tensorflow/tfjs-node');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'MODULE_NOT_FOUND' && e.message.includes('@tensorflow/tfjs-node');
    throw unavailable('node', missing ? '@tensorflow/tfjs-node is not installed' : `@tensorflow/tfjs-node failed to load: ${e.message}`);
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    throw unavailable('node', '@tensorflow/tfjs-node loaded but registered no "tensorflow" backend');
  }
  await setBackend('node', 'tensorflow');
  const version = tfn.version?.['tfjs-node'] ?? 'unknown version';
  // libtensorflow sizes its own thread pools from the cores; --threads does not reach it.
  return { name: 'node', tfBackend: 'tensorflow', detail: `tfjs-node ${version}, native TensorFlow`, threads: defaultThreads() };
}

async function activateWasm(): Promise<BackendInfo> {
  try {
    registerWasmTrainingKernels();
  } catch (err) {
    throw unavailable('wasm', `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}`);
  }
  await setBackend('wasm', 'wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // The instance's own count: the package-wide getThreadsCount() tells of the last WASM backend built.
  const threads = (tf.backend() as unknown as BackendWasm).wasm.tfjs.getThreadsCount();
  const detail = `tfjs-backend-wasm ${tf.version_core}, SIMD ${simd ? 'on' : 'off'}, ` +
    `${threads} thread${threads === 1 ? '' : 's'}, ${WASM_TRAINING_KERNELS.length} training kernels added`;
  return { name: 'wasm', tfBackend: 'wasm', detail, threads };
}

async function activateCpu(): Promise<BackendInfo> {
  await setBackend('cpu', 'cpu');
  return { name: 'cpu', tfBackend: 'cpu', detail: `tfjs ${tf.version_core} pure-JS CPU backend (slow)`, threads: 1 };
}
