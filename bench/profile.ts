/** Per-kernel time of one training step: tf.profile's kernel records, summed per kernel name. */
import * as tf from '@tensorflow/tfjs';
import type { KernelProfile } from './types';

/** The part of tf.profile's kernel record we use; kernelTimeMs is a number once tf.profile has resolved. */
export interface KernelRecord {
  name: string;
  kernelTimeMs: number | { error: string } | Promise<unknown>;
}

/** Sums kernel times per name and keeps the `top` largest; records without a time count as calls only. */
export function summariseKernels(records: readonly KernelRecord[], top: number): KernelProfile {
  const byName = new Map<string, { ms: number; calls: number }>();
  let totalMs = 0;
  for (const { name, kernelTimeMs } of records) {
    const ms = typeof kernelTimeMs === 'number' ? kernelTimeMs : 0;
    const entry = byName.get(name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byName.set(name, entry);
    totalMs += ms;
  }
  const ranked = [...byName].map(([name, { ms, calls }]) => ({ name, ms, calls, share: totalMs > 0 ? ms / totalMs : 0 }));
  ranked.sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
  return { totalMs, kernelCalls: records.length, top: ranked.slice(0, top) };
}

/**
 * Runs fn (one training step) under tf.profile and summarises its kernels. tf.profile also records each
 * custom-gradient op (fusedConv2d__op, ...) under its scope name, with a time that includes the kernels it runs,
 * which are recorded too: only names registered as kernels of the active backend are kept, so nothing counts twice.
 */
export async function profileKernels(fn: () => void, top = 10): Promise<KernelProfile> {
  const info = await tf.profile(() => {
    fn();
  });
  const backend = tf.getBackend();
  return summariseKernels(info.kernels.filter((k) => tf.getKernel(k.name, backend) !== undefined), top);
}
