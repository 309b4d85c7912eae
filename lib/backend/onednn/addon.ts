/**
 * The oneDNN addon (native/onednn), loaded once. It is built by `npm ci` only where oneDNN's headers are
 * installed (Debian: libdnnl-dev), so its absence is a normal state with a reason, never a crash.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from '../../util/paths';

/** Where node-gyp puts the addon. */
export const ADDON_PATH = join(PROJECT_ROOT, 'native', 'onednn', 'build', 'Release', 'pixelwise_onednn.node');

/**
 * Hides the addon from this process, as if it had not been built: the tests of the fallback engines and
 * CI's "without oneDNN" pass set it.
 */
export const HIDE_ADDON_ENV = 'PIXELWISE_NO_ONEDNN';

export interface OnednnInfo {
  version: string;
  /** The instruction set oneDNN's JIT uses on this CPU. */
  isa: string;
  threads: number;
}

/**
 * The addon's functions. Every kernel takes the WASM heap (an ArrayBuffer) and then numbers: byte offsets
 * of tensors on that heap (-1 for an absent optional tensor) and the geometry, in the order documented at
 * each function in native/onednn/src. It writes its output in place and returns nothing; it throws an
 * Error with code PW_UNSUPPORTED for a case oneDNN cannot do, so the caller runs the WASM kernel instead.
 */
export interface OnednnAddon {
  init(threads: number): OnednnInfo;
  conv2d(heap: ArrayBuffer, ...args: number[]): void;
  conv2dBackpropInput(heap: ArrayBuffer, ...args: number[]): void;
  conv2dBackpropFilter(heap: ArrayBuffer, ...args: number[]): void;
  batchMatMul(heap: ArrayBuffer, ...args: number[]): void;
  pool(heap: ArrayBuffer, ...args: number[]): void;
  poolGrad(heap: ArrayBuffer, ...args: number[]): void;
  binary(heap: ArrayBuffer, ...args: number[]): void;
  unary(heap: ArrayBuffer, ...args: number[]): void;
  sum(heap: ArrayBuffer, ...args: number[]): void;
  adam(heap: ArrayBuffer, ...args: number[]): void;
  tile(heap: ArrayBuffer, ...args: number[]): void;
  transpose(heap: ArrayBuffer, ...args: number[]): void;
  batchNorm(heap: ArrayBuffer, ...args: number[]): void;
  dropoutMask(heap: ArrayBuffer, ...args: number[]): void;
  batchNormTrain(heap: ArrayBuffer, ...args: number[]): void;
  batchNormTrainGrad(heap: ArrayBuffer, ...args: number[]): void;
  layerNorm(heap: ArrayBuffer, ...args: number[]): void;
  layerNormGrad(heap: ArrayBuffer, ...args: number[]): void;
  softmax(heap: ArrayBuffer, ...args: number[]): void;
  softmaxGrad(heap: ArrayBuffer, ...args: number[]): void;
  attention(heap: ArrayBuffer, ...args: number[]): void;
  attentionGrad(heap: ArrayBuffer, ...args: number[]): void;
}

let loaded: { addon: OnednnAddon } | { reason: string } | undefined;

/** The addon, or why there is none (not built, hidden, or failing to load). */
export function loadAddon(): { addon: OnednnAddon } | { reason: string } {
  if (loaded) return loaded;
  if (process.env[HIDE_ADDON_ENV]) {
    loaded = { reason: `hidden by ${HIDE_ADDON_ENV}` };
  } else if (!existsSync(ADDON_PATH)) {
    loaded = { reason: 'the addon is not built (install libdnnl-dev, then npm ci or npm run build:native)' };
  } else {
    // OpenMP reads its wait policy once, when the runtime loads with the addon. Spinning threads would
    // steal the other processes' cores on a shared machine and make timings erratic; purely passive waiting
    // costs a futex wake-up per kernel, which dominates the small kernels of inference and of the ViTs. So
    // threads spin briefly (GOMP_SPINCOUNT iterations, microseconds) to catch the next kernel, then sleep.
    // What the user sets wins.
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    process.env.GOMP_SPINCOUNT ??= '20000';
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { addon: require(ADDON_PATH) as OnednnAddon };
    } catch (err) {
      loaded = { reason: `the addon failed to load: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return loaded;
}
