/** Learning-rate schedules as pure functions of the step: linear warm-up, then constant, step, cosine or one-cycle. */
export const SCHEDULES = ['constant', 'step', 'cosine', 'onecycle'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

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
  }
}
