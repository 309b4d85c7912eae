/**
 * The run directory, one owner for its layout: where each file goes, how it is read and written, and when a
 * run is finished. trainRun writes it; re-evaluation, the ensemble, the report, the tuner, the demo and the
 * CLIs read it through here.
 *
 *   config.json     { config, data, backend, versions, createdAt }, written when the run starts
 *   metrics.jsonl   one EpochMetrics line per finished epoch
 *   summary.json    RunSummary, written last: its presence marks the run finished
 *   model/          model.json + weights.bin (models/io.ts); an ensemble has none
 *   checkpoint/     the state to resume from (checkpoint.ts); calibration.json (eval/calibrate.ts); run.lock
 */
import { existsSync, readdirSync, rmSync } from 'fs';
import { basename, join, resolve } from 'path';
import { calibrationSummary } from '../eval/calibration';
import type { Evaluation } from '../eval/evaluate';
import { writeJsonAtomic, writeJsonLinesAtomic } from '../util/atomic';
import { FileError, readJsonFile, readJsonLinesFile } from '../util/files';
import { RUNS_DIR, timestampName } from '../util/paths';
import type { EpochMetrics, RunSummary, TrainConfig } from './types';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';
export const MODEL_DIR = 'model';
/** Two processes training into one run directory would overwrite each other's files: the second refuses. */
export const RUN_LOCK_FILE = 'run.lock';

/** What config.json holds besides the configuration: where the data came from, the engine, the code versions. */
export interface RunConfigFile {
  config: TrainConfig;
  [recorded: string]: unknown;
}

/** A finished run read back whole, as tables and figures use it. */
export interface RunRecord {
  /** The run directory's name: how tables and figures label the run. */
  name: string;
  dir: string;
  config: TrainConfig;
  metrics: EpochMetrics[];
  summary: RunSummary;
}

export const configFile = (runDir: string) => join(runDir, CONFIG_FILE);
export const summaryFile = (runDir: string) => join(runDir, SUMMARY_FILE);
export const modelDir = (runDir: string) => join(runDir, MODEL_DIR);

export function defaultRunDir(model: string, now = new Date()): string {
  return join(RUNS_DIR, `${timestampName(now)}-${model}`);
}

/** Whether the directory was started as a run (it has config.json), finished or not. */
export const isRunDir = (runDir: string) => existsSync(configFile(runDir));

/** A run is finished once summary.json exists: it is written after everything else, the model included. */
export const isFinishedRun = (runDir: string) => existsSync(summaryFile(runDir));

/** Whether the run has a saved model (an ensemble's directory has none). */
export const hasModel = (runDir: string) => existsSync(join(modelDir(runDir), 'model.json'));

export function writeRunConfig(runDir: string, record: RunConfigFile): void {
  writeJsonAtomic(configFile(runDir), record);
}

/** config.json whole, or undefined when the directory has none. */
export function readRunConfigFile(runDir: string): RunConfigFile | undefined {
  const file = configFile(runDir);
  if (!existsSync(file)) return undefined;
  const record = readJsonFile<Partial<RunConfigFile>>(file);
  if (typeof record?.config?.model !== 'string') throw new FileError(file, 'no "config" with a model: not written by npm run train');
  return record as RunConfigFile;
}

export function readRunConfig(runDir: string): TrainConfig {
  const record = readRunConfigFile(runDir);
  if (!record) throw new Error(`${runDir}: not a run directory (no ${CONFIG_FILE})`);
  return record.config;
}

export function writeMetrics(runDir: string, metrics: EpochMetrics[]): void {
  writeJsonLinesAtomic(join(runDir, METRICS_FILE), metrics);
}

export function clearMetrics(runDir: string): void {
  rmSync(join(runDir, METRICS_FILE), { force: true });
}

/** The epochs recorded so far; none for a run that has not finished one. */
export function readMetrics(runDir: string): EpochMetrics[] {
  const file = join(runDir, METRICS_FILE);
  return existsSync(file) ? readJsonLinesFile<EpochMetrics>(file) : [];
}

/** The fields of summary.json that describe the delivered model's predictions: validation, test, calibration. */
export function evaluationSummary(test: Evaluation, validation?: Evaluation) {
  const calibration = calibrationSummary(test, validation);
  return {
    ...(validation ? { valAccuracy: validation.accuracy } : {}),
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    confusionMatrix: test.confusionMatrix,
    perClass: test.perClass,
    macro: test.macro,
    ece: calibration.ece,
    calibration,
  };
}

export function writeSummary(runDir: string, summary: RunSummary): void {
  writeJsonAtomic(summaryFile(runDir), summary);
}

export function readSummary(runDir: string): RunSummary {
  if (!isFinishedRun(runDir)) throw new Error(`${runDir}: the run has not finished (no ${SUMMARY_FILE})`);
  return readJsonFile<RunSummary>(summaryFile(runDir));
}

export function loadRun(dir: string): RunRecord {
  const absolute = resolve(dir);
  const config = readRunConfig(absolute);
  const summary = readSummary(absolute);
  return { name: basename(absolute), dir: absolute, config, metrics: readMetrics(absolute), summary };
}

/** Every finished run directly under `parent`, by name; unfinished ones are skipped. */
export function loadRuns(parent: string): RunRecord[] {
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isFinishedRun(join(parent, e.name)))
    .map((e) => loadRun(join(parent, e.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}
