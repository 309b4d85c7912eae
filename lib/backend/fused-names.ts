/**
 * Names and attributes of the fused kernels some engines register (lib/backend/onednn/fused.ts), for the
 * library code that runs them where the active backend has them and the plain tfjs ops elsewhere.
 */
export const FUSED_ADAM = 'PixelwiseAdam';

/** Inputs value, m, v, gradient, accBeta1, accBeta2; outputs the new value, m and v. */
export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}
