import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../lib/train/config';
import { BASE_CONFIG } from '../lib/train/options';
import { RECIPES } from '../lib/train/recipes';
import { EXPONENTIAL_END, learningRateAt, ScheduleSpec } from '../lib/train/schedule';

const spec = (schedule: ScheduleSpec['schedule'], warmupSteps = 0): ScheduleSpec => ({ schedule, lr: 1, totalSteps: 100, warmupSteps, stepsPerEpoch: 10 });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

test('constant and step schedules', () => {
  close(learningRateAt(0, spec('constant')), 1);
  close(learningRateAt(99, spec('constant')), 1);
  close(learningRateAt(10, spec('step')), 1);
  close(learningRateAt(50, spec('step')), 0.1);
  close(learningRateAt(80, spec('step')), 0.01);
});

test('warm-up rises linearly to the peak, cosine decays to zero', () => {
  close(learningRateAt(0, spec('cosine', 10)), 0.1);
  close(learningRateAt(9, spec('cosine', 10)), 1);
  close(learningRateAt(10, spec('cosine', 10)), 1);
  close(learningRateAt(55, spec('cosine', 10)), 0.5);
  close(learningRateAt(100, spec('cosine', 10)), 0);
});

test('one-cycle ramps up over 30% to the peak then anneals to lr/1000', () => {
  const s = spec('onecycle');
  assert.ok(learningRateAt(0, s) < 0.05);
  close(learningRateAt(30, s), 1);
  assert.ok(learningRateAt(20, s) < learningRateAt(29, s));
  assert.ok(learningRateAt(60, s) < learningRateAt(40, s));
  close(learningRateAt(100, s), 0.001);
});

test('the exponential schedule falls by the same factor every step, to its end fraction at the last', () => {
  const s = spec('exponential');
  close(learningRateAt(0, s), 1);
  close(learningRateAt(100, s), EXPONENTIAL_END);
  close(learningRateAt(20, s) / learningRateAt(10, s), learningRateAt(90, s) / learningRateAt(80, s));
  close(learningRateAt(5, spec('exponential', 10)), 0.6);
});

test('configuration: recipe defaults, overrides, and clear errors', () => {
  const c = resolveConfig({ model: 'vit-tiny', epochs: 5, lr: undefined });
  assert.is(c.epochs, 5, 'an override wins');
  assert.is(c.lr, RECIPES['vit-tiny'].lr, 'an undefined override keeps the recipe');
  assert.is(c.optimizer, 'adamw', 'the recipe wins over the base defaults');
  assert.is(c.valFraction, BASE_CONFIG.valFraction, 'what the recipe leaves out comes from the base defaults');
  assert.throws(() => resolveConfig({ model: 'nope' }), /unknown model "nope" \(available: .*cnn-small/);
  assert.throws(() => resolveConfig({ model: 'cnn-small', epochs: 0 }), /epochs must be a positive integer, got 0/);
  assert.throws(() => resolveConfig({ model: 'cnn-small', lr: -1 }), /lr must be a positive number/);
  assert.throws(() => resolveConfig({ model: 'cnn-small', labelSmoothing: 1 }), /labelSmoothing must be in \[0, 1\)/);
});

test.run();
