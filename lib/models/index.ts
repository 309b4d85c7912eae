/** Importing this module registers every architecture in the model registry. */
import './cnn';
import './vit';

export * from './registry';
export { saveModel, loadModel } from './io';
export { buildVit, vitConfig, VIT_PRESETS, type VitConfig } from './vit';
export { attentionMaps, attentionMatrices, attentionOverlayMaps, type AttentionMap, type AttentionMaps, type AttentionMatrices } from './attention';
