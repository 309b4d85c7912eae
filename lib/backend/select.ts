/**
 * Picks the tfjs backend: onednn (the WASM backend with oneDNN's kernels, where the addon is built)
 * -> tfjs-node (native TensorFlow, optional dependency) -> wasm (XNNPACK, plus our training kernels)
 * -> cpu (pure JS, slow). An explicit preference that cannot load is an error, never a silent fallback.
 */
import { cpus } from 'os';
import * as tf from '@tensorflow/tfjs';
import { ONEDNN_BACKEND, ONEDNN_KERNELS, registerOnednn } from './onednn';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels';

export type BackendName = 'onednn' | 'node' | 'wasm' | 'cpu';

export interface BackendOptions {
  /** Threads for the engines that use several (default: every core). */
  threads?: number;
}

export interface BackendInfo {
  /** Our name for it. */
  name: BackendName;
  /** The tfjs backend name (tf.getBackend()). */
  tfBackend: string;
  /** Human-readable details (version, SIMD/threads, ...). */
  detail: string;
  /** Threads its kernels run on. */
  threads: number;
}

/**
 * Tried in this order when no preference is given: the fastest first, as `npm run bench` ranks them
 * (docs/performance.md). tfjs-node cannot install here to be measured; it comes after oneDNN, which runs
 * the same class of native kernels with our fused training kernels around them.
 */
export const BACKEND_ORDER: readonly BackendName[] = ['onednn', 'node', 'wasm', 'cpu'];

/** The default thread count: every core (the tuner divides them among its workers). */
export function defaultThreads(): number {
  return Math.max(1, cpus().length);
}

let active: BackendInfo | null = null;

/**
 * Activates a backend and returns what was chosen. With a preference, only
 * that backend is tried and failure throws; without, the first one that loads
 * wins. Calling it again returns the active backend without re-initialising.
 */
export async function initBackend(preference?: BackendName, options: BackendOptions = {}): Promise<BackendInfo> {
  const threads = options.threads ?? defaultThreads();
  if (active && (preference === undefined || preference === active.name) && tf.getBackend() === active.tfBackend &&
      (options.threads === undefined || threads === active.threads)) {
    return active;
  }
  if (preference !== undefined) {
    if (!BACKEND_ORDER.includes(preference)) throw new Error(`unknown backend "${preference}" (expected ${BACKEND_ORDER.join(', ')})`);
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
  throw new Error(`no tfjs backend could be initialised:\n  ${failures.join('\n  ')}`);
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
    case 'wasm':
      return activateWasm();
    case 'cpu':
      return activateCpu();
  }
}

function unavailable(name: BackendName, reason: string): Error {
  return new Error(`backend "${name}" is not available: ${reason}`);
}

async function setBackend(name: BackendName, tfBackend: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfBackend);
  } catch (err) {
    throw unavailable(name, `initialisation failed: ${(err as Error).message}`);
  }
  if (!ok) throw unavailable(name, 'initialisation failed (see the tfjs warning above)');
  await tf.ready();
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

async function activateWasm(): Promise<BackendInfo> {
  try {
    registerWasmTrainingKernels();
  } catch (err) {
    throw unavailable('wasm', `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}`);
  }
  await setBackend('wasm', 'wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const threads: number = require('@tensorflow/tfjs-backend-wasm').getThreadsCount();
  const detail = `tfjs-backend-wasm ${tf.version_core}, SIMD ${simd ? 'on' : 'off'}, ` +
    `${threads} thread${threads === 1 ? '' : 's'}, ${WASM_TRAINING_KERNELS.length} training kernels added`;
  return { name: 'wasm', tfBackend: 'wasm', detail, threads };
}

async function activateCpu(): Promise<BackendInfo> {
  await setBackend('cpu', 'cpu');
  return { name: 'cpu', tfBackend: 'cpu', detail: `tfjs ${tf.version_core} pure-JS CPU backend (slow)`, threads: 1 };
}
