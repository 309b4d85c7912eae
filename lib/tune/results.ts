/** Reading a sweep back for analysis (notebook 04-tuning): its trials and a DataFrame of them. */
import type { DataFrame } from 'danfojs-node';
import { resolve } from 'path';
import { frame } from '../util/frame';
import { bestRecord, flatRow, readDefinition, readRecords } from './store';
import type { SweepResult } from './sweep';
import type { TrialRecord } from './types';

export function loadSweep(dir: string): SweepResult {
  const absolute = resolve(dir);
  const definition = readDefinition(absolute);
  const records = readRecords(absolute);
  return { dir: absolute, definition, records, best: bestRecord(records, definition.maxEpochs) };
}

/** Each trial's furthest finished rung: the trial's final result. */
export function finalRecords(records: TrialRecord[]): TrialRecord[] {
  const last = new Map<number, TrialRecord>();
  for (const r of records) if ((last.get(r.trial)?.rung ?? -1) < r.rung) last.set(r.trial, r);
  return [...last.values()].sort((a, b) => a.trial - b.trial);
}

/**
 * One row per job (trial × rung) with the scores, test metrics, parameter columns and run directory;
 * sort with frame.sortValues('valAcc', { ascending: false }), export with danfo's toCSV(frame).
 */
export function trialsFrame(records: TrialRecord[]): DataFrame {
  return frame(records.map(flatRow));
}
