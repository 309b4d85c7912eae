/**
 * PixelWise, the library: `import * as pw from 'pixelwise'` in the notebooks (and anywhere else once built
 * with npm run build).
 */
export { initBackend } from './backend/select';
export type { BackendInfo, BackendName } from './backend/select';

export { loadMnist, locateDataset, NUM_CLASSES } from './data/mnist';
export type { DataSource, DigitSet, MnistData } from './data/mnist';
export { batchesOf, epochOrder, firstIndices, makeBatch, trainValSplit } from './data/dataset';
export type { Batch } from './data/dataset';
export { createRng, deriveSeed, permutation } from './data/random';

export { buildModel, countParams, getModelSpec, loadModel, modelNames, registerModel, saveModel } from './models';
export type { ModelOptions, ModelSpec } from './models';
// The ViT builder and its attention maps (the models' gridSize is left out: the tuner's gridSize has the name).
export { attentionMaps, attentionMatrices, attentionOverlayMaps, buildVit, vitConfig, VIT_PRESETS } from './models';
export type { AttentionMap, AttentionMaps, AttentionMatrices, VitConfig } from './models';

export { resolveConfig, ConfigError } from './train/config';
export { BASE_CONFIG, TRAIN_OPTIONS } from './train/options';
export type { OptionDef, OptionKind, SweepRole } from './train/options';
export { RECIPES } from './train/recipes';
export { trainRun } from './train/run';
export { defaultRunDir, isFinishedRun, loadRun, loadRuns, readRunConfig } from './train/run-dir';
export type { RunRecord } from './train/run-dir';
export type { RunOptions, RunResult } from './train/run';
export type { EpochMetrics, RunSummary, TrainConfig } from './train/types';

export { argmaxRows, evaluateModel, predictProbabilities } from './eval/evaluate';
export type { Evaluation } from './eval/evaluate';
export { evaluateRun } from './train/evaluate-run';
export { classificationReport, confusionMatrix, reportFromConfusion } from './eval/metrics';
export type { ClassificationReport, ClassMetrics } from './eval/metrics';

export { calibrationSummary, ECE_BINS, fitTemperature, reliability, scaleTemperature } from './eval/calibration';
export type { CalibrationSummary, Reliability, ReliabilityBin } from './eval/calibration';

export * from './analysis';
export * from './plot';
export * from './tune';
export { runSeriesSweep, seriesDir, trainSeriesModel } from './experiments/series';
export * from './report';

export { PROJECT_ROOT, RESULTS_DIR, RUNS_DIR } from './util/paths';
