/** Each model's tested training recipe: the defaults a run starts from before command-line overrides. */
import type { TrainConfig } from './types';

export const BASE_CONFIG: Omit<TrainConfig, 'model'> = {
  epochs: 2,
  batchSize: 64,
  lr: 0.001,
  seed: 42,
  optimizer: 'adam',
  weightDecay: 0,
  schedule: 'constant',
  warmupEpochs: 0,
  labelSmoothing: 0,
  clipNorm: 0,
  augment: false,
  augmentShift: 2,
  augmentRotate: 10,
  valFraction: 0.05,
};

export const RECIPES: Record<string, Partial<TrainConfig>> = {
  lenet5: { epochs: 5, lr: 0.002, schedule: 'cosine' },
  'cnn-small': { epochs: 2, lr: 0.003, schedule: 'onecycle' },
  'classic-cnn': { epochs: 3, batchSize: 128, lr: 0.001, schedule: 'cosine' },
  'cnn-deep': { epochs: 15, batchSize: 128, lr: 0.003, schedule: 'onecycle', augment: true, labelSmoothing: 0.1 },
  // ViTs: AdamW, warm-up then cosine, gradient clipping; vit-small adds augmentation and label smoothing.
  'vit-tiny': { epochs: 3, batchSize: 64, lr: 0.002, optimizer: 'adamw', weightDecay: 0.05, schedule: 'cosine', warmupEpochs: 0.5, clipNorm: 1 },
  'vit-small': {
    epochs: 6,
    batchSize: 128,
    lr: 0.002,
    optimizer: 'adamw',
    weightDecay: 0.05,
    schedule: 'cosine',
    warmupEpochs: 0.5,
    clipNorm: 1,
    labelSmoothing: 0.1,
    augment: true,
  },
};
