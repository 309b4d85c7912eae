/** Learning-rate schedules as pure functions of the step: linear warm-up, then constant, step, cosine, one-cycle or exponential. */
export const SCHEDULES = ['constant', 'step', 'cosine', 'onecycle', 'exponential'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** Where the exponential schedule ends, as a fraction of the peak: An et al. 2020's ×0.98 an epoch over their 150
 *  epochs, fitted to the run's length so that a shorter run decays as far. */
export const EXPONENTIAL_END = 0.98 ** 150;

export interface ScheduleSpec {
  schedule: ScheduleName;
  lr: number;
  totalSteps: number;
  warmupSteps: number;
  /** Steps per epoch, used by the step schedule (×0.1 at 50% and 75% of training). */
  stepsPerEpoch: number;
}

export function learningRateAt(step: number, spec: ScheduleSpec): number {
  const { lr, totalSteps, warmupSteps } = spec;
  if (warmupSteps > 0 && step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / decaySteps));
  switch (spec.schedule) {
    case 'constant':
      return lr;
    case 'step':
      return lr * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1);
    case 'cosine':
      return 0.5 * lr * (1 + Math.cos(Math.PI * progress));
    case 'onecycle': {
      // Without an explicit warm-up, one-cycle ramps up over its first 30% then anneals to lr/1000.
      if (warmupSteps === 0 && step < 0.3 * totalSteps) {
        const rise = step / (0.3 * totalSteps);
        return lr * (0.04 + 0.96 * rise);
      }
      const start = warmupSteps === 0 ? 0.3 * totalSteps : warmupSteps;
      const fall = Math.min(1, (step - start) / Math.max(1, totalSteps - start));
      return lr * (0.001 + 0.999 * 0.5 * (1 + Math.cos(Math.PI * fall)));
    }
    case 'exponential':
      return lr * EXPONENTIAL_END ** progress;
  }
}
