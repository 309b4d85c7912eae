/** The models: architectures (registered by registry.ts itself), their specs, saving and loading, ViT attention maps. */
export * from './spec';
export * from './registry';
export { saveModel, loadModel } from './io';
export { buildVit, vitConfig, VIT_PRESETS, type VitConfig } from './vit';
export { attentionMaps, attentionMatrices, attentionOverlayMaps, type AttentionMap, type AttentionMaps, type AttentionMatrices } from './attention';
