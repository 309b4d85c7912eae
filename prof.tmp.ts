import * as tf from '@tensorflow/tfjs';
import { initBackend } from './lib/backend/select';
import './lib/models';
import { buildModel } from './lib/models/registry';
import { createOptimizer } from './lib/train/optimizer';
import { trainStep } from './lib/train/step';
async function main() {
  const [model_, backend] = process.argv.slice(2);
  await initBackend(backend as never);
  const model = buildModel(model_);
  const optimizer = createOptimizer('adam', 1e-3);
  const x = tf.randomUniform([128, 28, 28, 1]) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32');
  const opts = { labelSmoothing: 0, clipNorm: 0, weightDecay: 0, lr: 1e-3 } as never;
  for (let i = 0; i < 3; i++) trainStep(model, optimizer, x, y, opts);
  const info = await tf.profile(() => { trainStep(model, optimizer, x, y, opts); });
  const agg = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const e = agg.get(key) ?? { ms: 0, n: 0 };
    e.ms += k.kernelTimeMs as number; e.n++; agg.set(key, e);
  }
  [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).forEach(([k, v]) => console.log(v.ms.toFixed(2).padStart(7), v.n, k));
}
main();
