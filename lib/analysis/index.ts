/** What a trained model does inside: saliency, Grad-CAM, attention rollout, embeddings, mistakes over training. */
export { perImage, saliencyMaps, targetMask } from './saliency';
export type { ModelImages } from './saliency';
export { gradCam } from './gradcam';
export type { GradCam } from './gradcam';
export { attentionRollout, rolloutMatrix, rolloutPatches } from './rollout';
export type { Rollout } from './rollout';
export { embed2d, penultimateFeatures } from './embedding';
export type { EmbeddingOptions } from './embedding';
export { confusionTrend } from './confusion-trend';
export type { ConfusionTrend, PairTrend } from './confusion-trend';
