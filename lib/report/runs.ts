/** Finished runs read back from their directories (config.json, metrics.jsonl, summary.json) for tables and figures. */
import { existsSync, readdirSync } from 'fs';
import { basename, join, resolve } from 'path';
import { readRunConfig } from '../train/run';
import { readJsonFile, readJsonLinesFile } from '../util/files';
import type { EpochMetrics, RunSummary, TrainConfig } from '../train/types';

export interface RunRecord {
  /** The run directory's name: how tables and figures label the run. */
  name: string;
  dir: string;
  config: TrainConfig;
  metrics: EpochMetrics[];
  summary: RunSummary;
}

export function isFinishedRun(dir: string): boolean {
  return existsSync(join(dir, 'summary.json'));
}

export function loadRun(dir: string): RunRecord {
  const absolute = resolve(dir);
  const config = readRunConfig(absolute);
  if (!isFinishedRun(absolute)) throw new Error(`${absolute}: the run has not finished (no summary.json)`);
  const summary = readJsonFile<RunSummary>(join(absolute, 'summary.json'));
  const metricsFile = join(absolute, 'metrics.jsonl');
  const metrics = existsSync(metricsFile) ? readJsonLinesFile<EpochMetrics>(metricsFile) : [];
  return { name: basename(absolute), dir: absolute, config, metrics, summary };
}

/** Every finished run directly under `parent`, by name; unfinished ones are skipped. */
export function loadRuns(parent: string): RunRecord[] {
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isFinishedRun(join(parent, e.name)))
    .map((e) => loadRun(join(parent, e.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}
