/**
 * One model on the active tfjs backend: training throughput of the real trainStep, inference throughput of
 * predictProbabilities, the kernel profile of one more step, and this process's peak RSS.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, seedMathRandom } from '../lib/data/random';
import { predictProbabilities } from '../lib/eval/evaluate';
import { buildModel, countParams } from '../lib/models/registry';
import { createOptimizer } from '../lib/train/optimizer';
import { StepOptions, trainStep } from '../lib/train/step';
import { peakRssMB, throughput, timedRuns } from './measure';
import { profileKernels } from './profile';
import type { Outcome } from './types';

const SIDE = 28;
/** Plain Adam as in the PyTorch reference: no clipping, smoothing or weight decay. */
const STEP_OPTIONS: StepOptions = { lr: 0.001, labelSmoothing: 0, clipNorm: 0, weightDecay: 0 };
/** The cost probe's batch: small enough to be cheap on the pure-JS backend, where a full step can take minutes. */
const PROBE_BATCH = 4;

export interface WorkloadOptions {
  model: string;
  batchSize: number;
  warmup: number;
  steps: number;
  seed: number;
  /** Skip the model when a full-batch training step is estimated to take longer than this. */
  maxStepSeconds: number;
}

/** A fixed synthetic batch: uniform pixels in [0, 1) from the seed, labels cycling through the ten digits. */
function syntheticBatch(size: number, seed: number): { images: Float32Array; labels: Int32Array } {
  const rng = createRng(deriveSeed(seed, 'bench-batch'));
  const images = Float32Array.from({ length: size * SIDE * SIDE }, rng);
  const labels = Int32Array.from({ length: size }, (_, i) => i % 10);
  return { images, labels };
}

export async function measureTfjsModel(options: WorkloadOptions): Promise<Outcome> {
  const { batchSize, warmup, steps } = options;
  seedMathRandom(options.seed); // tfjs draws initial weights and dropout masks from Math.random
  const model = buildModel(options.model);
  const optimizer = createOptimizer('adam', STEP_OPTIONS.lr);
  const { images, labels } = syntheticBatch(batchSize, options.seed);
  const x = tf.tensor4d(images, [batchSize, SIDE, SIDE, 1]);
  const y = tf.tensor1d(labels, 'int32');
  const step = (xs: tf.Tensor4D, ys: tf.Tensor1D) => () => void trainStep(model, optimizer, xs, ys, STEP_OPTIONS);

  // Two probe steps on a few images (the faster one, so first-call costs do not count) estimate a full step,
  // scaled linearly by batch size; fixed per-step costs make that an overestimate, never an under-.
  const probeSize = Math.min(PROBE_BATCH, batchSize);
  const [px, py] = [x.slice(0, probeSize), y.slice(0, probeSize)];
  const estimatedStepMs = (Math.min(...timedRuns(step(px, py), 0, 2)) * batchSize) / probeSize;
  tf.dispose([px, py]);
  if (estimatedStepMs > options.maxStepSeconds * 1000) {
    return {
      status: 'skipped',
      reason: `a training step is estimated at ${(estimatedStepMs / 1000).toFixed(0)} s (from ${probeSize}-image steps), over --max-step-seconds ${options.maxStepSeconds}`,
    };
  }

  const stepMs = timedRuns(step(x, y), warmup, steps);
  const inferMs = timedRuns(() => void predictProbabilities(model, images, batchSize, batchSize), warmup, steps);
  const profile = await profileKernels(step(x, y));
  return {
    status: 'measured',
    result: {
      params: countParams(model),
      batchSize,
      trainSamplesPerSec: throughput(batchSize, stepMs),
      inferImagesPerSec: throughput(batchSize, inferMs),
      peakRssMB: peakRssMB(),
      stepMs,
      inferMs,
      profile,
    },
  };
}
