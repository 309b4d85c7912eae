/**
 * The threaded-SIMD build of tfjs-backend-wasm under Node, as tfjs backend 'wasm-threaded': XNNPACK's
 * convolutions and matrix products run on a pool of worker threads. The package ships this build but
 * never uses it in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired false there, and its
 * init() hands Emscripten `blob:` URLs for the main and worker scripts, which Node's worker_threads
 * cannot load. Here the module is instantiated with real file paths instead, from a clean `npm ci`
 * with nothing inside node_modules edited. What it takes, each a fact of this build:
 * - The worker script exists only as a string (wasm-out/*.worker.js exports it): it is written to a
 *   real file once per content (threadedWorkerScript).
 * - The C++ side caps the pool at min(8, logical cores / 2), the halving meant for hyper-threads; the
 *   module's logical-cores import is answered with 2 × the requested threads so the request stands.
 * - Emscripten preloads 8 workers and pthread_create takes a preloaded one; one it must create on the
 *   spot loads on the main thread's event loop, which pthreadpool_create blocks: fewer than
 *   threads − 1 preloaded workers deadlocks. Exactly that many are kept (at least one, or Emscripten
 *   waits forever for a worker to finish loading), and the rest are terminated.
 * - Emscripten ref()s a worker while it runs a thread, and the pool's threads run for the module's
 *   lifetime: they are unref()'d, or the process would never exit.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { availableParallelism, tmpdir } from 'os';
import { join } from 'path';
import type { Worker } from 'worker_threads';
import { writeFileAtomic } from '../util/atomic';
import { BackendInfo, setBackend, unavailable } from './activate';
import { WASM_TRAINING_KERNELS } from './wasm-kernels';
import { registerWasmVariant, WASM_OUT_DIR, WasmModule, wasmBackendOver } from './wasm-variant';

export const WASM_THREADED = 'wasm-threaded';
/** The C++ side's max_num_threads, matching the 8 workers Emscripten preloads. */
export const MAX_WASM_THREADS = 8;

const BUILD = 'tfjs-backend-wasm-threaded-simd';
const MAIN_SCRIPT = join(WASM_OUT_DIR, `${BUILD}.js`);
const BINARY = join(WASM_OUT_DIR, `${BUILD}.wasm`);

/** The parts of Emscripten's pthread runtime used here (the package's typings declare only terminateAllThreads). */
interface PThreadRuntime {
  unusedWorkers: Worker[];
  runningWorkers: Worker[];
}
type ImportObject = Record<string, Record<string, unknown>>;

/** Default thread count: every core the process may use, up to what the build supports. */
export function defaultWasmThreads(): number {
  return Math.min(availableParallelism(), MAX_WASM_THREADS);
}

/**
 * The pthread worker script as a real file in the temp directory. Named by a hash of its content, so
 * package versions never share a file; checked before use, since anyone can write there; written
 * atomically, since parallel processes (tests, tuning workers) may race to create it.
 */
export function threadedWorkerScript(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { wasmWorkerContents } = require(join(WASM_OUT_DIR, `${BUILD}.worker.js`)) as { wasmWorkerContents: string };
  // The string is a template literal whose escaped newlines arrived as real ones inside JS string
  // literals; the package escapes them again before making its blob, and so must we.
  const code = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `pixelwise-${BUILD}-${hash}.worker.js`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== code) writeFileAtomic(file, code);
  return file;
}

/** Instantiates the threaded-SIMD module with a pool of `threads` and returns a BackendWasm over it. */
async function createThreadedBackend(threads: number) {
  const worker = threadedWorkerScript();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require(MAIN_SCRIPT) as (config: object) => Promise<WasmModule>;
  const module = await new Promise<WasmModule>((resolve, reject) => {
    const config = {
      // The workers load the main script from this path (the package passes a Blob).
      mainScriptUrlOrBlob: MAIN_SCRIPT,
      locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? worker : path.endsWith('.wasm') ? BINARY : prefix + path),
      instantiateWasm(imports: ImportObject, receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        const pthreads = (config as unknown as { PThread: PThreadRuntime }).PThread;
        const keep = Math.max(1, threads - 1);
        for (const w of pthreads.unusedWorkers.splice(keep)) void w.terminate();
        WebAssembly.instantiate(readFileSync(BINARY), imports as WebAssembly.Imports).then(
          ({ instance, module: compiled }) => receiveInstance(instance, compiled),
          reject,
        );
        return {};
      },
      onAbort: (what: unknown) => reject(new Error(`${BUILD}.wasm aborted: ${String(what)}`)),
    };
    factory(config).then(resolve, reject);
  });
  const backend = wasmBackendOver(module, threads);
  const made = module.tfjs.getThreadsCount();
  if (made !== threads) throw new Error(`${BUILD}: asked for a pool of ${threads} threads, the module made ${made}`);
  const pthreads = (module as unknown as { PThread: PThreadRuntime }).PThread;
  for (const w of pthreads.runningWorkers) w.unref();
  for (const w of pthreads.unusedWorkers.splice(0)) void w.terminate();
  return backend;
}

/** Throws unless `threads` is a thread count this build supports. */
export function checkWasmThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`threads must be an integer from 1 to ${MAX_WASM_THREADS} for backend "${WASM_THREADED}", got ${threads}`);
  }
}

let builtFor: number | undefined;

/**
 * Activates 'wasm-threaded' with `threads` threads (1..MAX_WASM_THREADS). Asking again with the same
 * count reuses the backend; with another count it is rebuilt, and tensors left on the old one are gone.
 */
export async function activateWasmThreaded(threads: number = defaultWasmThreads()): Promise<BackendInfo> {
  checkWasmThreads(threads);
  if (builtFor !== threads || tf.findBackendFactory(WASM_THREADED) == null) {
    try {
      registerWasmVariant(WASM_THREADED, () => createThreadedBackend(threads));
    } catch (err) {
      throw unavailable(WASM_THREADED, `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}`);
    }
    builtFor = threads;
  }
  await setBackend(WASM_THREADED, WASM_THREADED);
  const detail = `tfjs-backend-wasm ${tf.version_core} threaded-SIMD build, ${threads} thread${threads === 1 ? '' : 's'}, ` +
    `${WASM_TRAINING_KERNELS.length} training kernels added`;
  return { name: WASM_THREADED, tfBackend: WASM_THREADED, detail, threads };
}
