/**
 * What every engine's activation shares: the names, the description initBackend returns, the error an
 * engine that cannot load raises, and tf.setBackend with its failure turned into that error.
 */
import * as tf from '@tensorflow/tfjs';
import { PixelwiseError } from '../util/errors';

/** The engines, in the order initBackend tries them when no preference is given. */
export const BACKEND_ORDER = ['onednn', 'node', 'wasm-threaded', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface BackendInfo {
  /** Our name for it. */
  name: BackendName;
  /** The tfjs backend name (tf.getBackend()). */
  tfBackend: string;
  /** Human-readable details (version, SIMD/threads, ...). */
  detail: string;
  /** Threads its kernels run on (1 for the single-threaded engines; tfjs-node sizes its own pools). */
  threads: number;
}

export function unavailable(name: BackendName, reason: string): Error {
  return new PixelwiseError(`backend "${name}" is not available: ${reason}`);
}

export async function setBackend(name: BackendName, tfBackend: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfBackend);
  } catch (err) {
    throw unavailable(name, `initialisation failed: ${(err as Error).message}`);
  }
  if (!ok) throw unavailable(name, 'initialisation failed (see the tfjs warning above)');
  await tf.ready();
}
