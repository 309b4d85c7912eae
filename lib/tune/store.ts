/**
 * The sweep directory: sweep.json (definition and plan), trials.jsonl (one line per finished job, sorted by
 * trial and rung so its content does not depend on completion order), trials.csv, best.json, and a lock
 * that keeps two processes from running the same sweep.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { writeFileAtomic, writeJsonAtomic, writeJsonLinesAtomic } from '../util/atomic';
import { readJsonFile, readJsonLinesFile } from '../util/files';
import { lockDirectory } from '../util/lock';
import type { SweepDefinition, TrialRecord } from './types';

export const SWEEP_FILE = 'sweep.json';
export const TRIALS_FILE = 'trials.jsonl';
export const CSV_FILE = 'trials.csv';
export const BEST_FILE = 'best.json';
const LOCK_FILE = 'sweep.lock';

export const trialRunDir = (trial: number) => join('runs', `trial-${String(trial).padStart(4, '0')}`);

export function readDefinition(dir: string): SweepDefinition {
  const file = join(dir, SWEEP_FILE);
  if (!existsSync(file)) throw new Error(`${dir}: not a sweep directory (no ${SWEEP_FILE})`);
  return readJsonFile<SweepDefinition>(file);
}

export function writeDefinition(dir: string, definition: SweepDefinition): void {
  writeJsonAtomic(join(dir, SWEEP_FILE), definition);
}

export function readRecords(dir: string): TrialRecord[] {
  const file = join(dir, TRIALS_FILE);
  if (!existsSync(file)) return [];
  return readJsonLinesFile<TrialRecord>(file);
}

export function sortRecords(records: TrialRecord[]): TrialRecord[] {
  return [...records].sort((a, b) => a.trial - b.trial || a.rung - b.rung);
}

/**
 * The best trial: highest score among jobs trained to the full budget (a trial stopped early at a lower rung
 * is not comparable), ties to the lower trial id.
 */
export function bestRecord(records: TrialRecord[], maxEpochs: number): TrialRecord | undefined {
  return records
    .filter((r) => r.status === 'done' && r.epochs === maxEpochs && r.score !== null)
    .sort((a, b) => b.score! - a.score! || a.trial - b.trial)[0];
}

/** One flat row per job: the columns of trials.csv and of the results DataFrame. */
export function flatRow(r: TrialRecord): Record<string, number | string | boolean | null> {
  return {
    trial: r.trial,
    bracket: r.bracket,
    rung: r.rung,
    epochs: r.epochs,
    status: r.status,
    valAcc: r.valAcc,
    testAccuracy: r.testAccuracy,
    valLoss: r.valLoss,
    testLoss: r.testLoss,
    trainAcc: r.trainAcc,
    trainLoss: r.trainLoss,
    ...r.params,
    modelParams: r.modelParams,
    seconds: r.timing.seconds,
    runDir: r.runDir,
  };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** Rewrites trials.jsonl, trials.csv and best.json from the finished jobs; each file is replaced atomically. */
export function writeResults(dir: string, records: TrialRecord[], maxEpochs: number): void {
  const sorted = sortRecords(records);
  writeJsonLinesAtomic(join(dir, TRIALS_FILE), sorted);
  writeFileAtomic(join(dir, CSV_FILE), toCsv(sorted.map(flatRow)));
  const best = bestRecord(sorted, maxEpochs);
  if (best) {
    writeJsonAtomic(join(dir, BEST_FILE), {
      trial: best.trial,
      score: best.score,
      valAcc: best.valAcc,
      testAccuracy: best.testAccuracy,
      epochs: best.epochs,
      params: best.params,
      config: best.config,
      runDir: best.runDir,
    });
  }
}

/** Takes the sweep's lock, or explains who holds it; a lock left by a killed process is taken over. */
export function acquireLock(dir: string): () => void {
  return lockDirectory(dir, LOCK_FILE, 'the sweep');
}
