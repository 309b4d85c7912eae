/** The depthwise-conv gradients for WASM, which lacks them: delegated to the CPU backend. */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Depthwise/separable convs are not part of our models; rather than a second
 * set of conv tricks, their gradients run the CPU backend's kernel on copies.
 */
export function onCpu(name: string): KernelFunc {
  return (args) => {
    const wasm = args.backend as BackendWasm;
    const cpu = tf.engine().findBackend('cpu');
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (cpu == null || cpuKernel == null) throw new Error(`${name}: CPU backend unavailable`);
    const inputs: Record<string, TensorInfo> = {};
    for (const [key, t] of Object.entries(args.inputs as Record<string, TensorInfo>)) {
      const values = wasm.readSync(t.dataId) as tf.TypedArray;
      inputs[key] = { dataId: cpu.write(values, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    }
    try {
      const result = cpuKernel.kernelFunc({ inputs, backend: cpu, attrs: args.attrs });
      const outs = Array.isArray(result) ? result : [result];
      const copies = outs.map((o) => {
        const values = cpu.readSync(o.dataId) as tf.TypedArray;
        cpu.disposeData(o.dataId);
        return wasm.makeOutput(o.shape, o.dtype, undefined, values);
      });
      return Array.isArray(result) ? copies : copies[0];
    } finally {
      for (const t of Object.values(inputs)) cpu.disposeData(t.dataId);
    }
  };
}
