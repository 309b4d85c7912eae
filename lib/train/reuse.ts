/**
 * Reusing a finished run instead of retraining it: a run whose recorded configuration, data checksums and
 * code version (config.json) equal those of the training asked for would come out the same (same seed, same
 * engine), so re-executing the notebook series skips it. The run is read back as trainRun returns it.
 */
import type { DataSource, MnistData } from '../data/mnist';
import { firstIndices } from '../data/dataset';
import { evaluateModel } from '../eval/evaluate';
import { loadModel } from '../models/io';
import { codeVersion } from '../util/code-version';
import { canonicalJson } from '../util/files';
import { teacherRecord, type TeacherRecord } from './distill';
import type { RunResult } from './run';
import { hasModel, isFinishedRun, modelDir, readMetrics, readRunConfig, readRunConfigFile, readSummary } from './run-dir';
import type { TrainConfig } from './types';

interface RecordedRun {
  config?: TrainConfig;
  data?: { sha256?: DataSource['sha256'] };
  versions?: { code?: string };
  teacher?: TeacherRecord;
}

/** Why runDir cannot stand in for this training, or undefined when it can. */
export function reuseMismatch(runDir: string, config: TrainConfig, source: DataSource): string | undefined {
  if (!isFinishedRun(runDir) || !hasModel(runDir)) return 'no finished run';
  const recorded = readRunConfigFile(runDir) as RecordedRun;
  if (canonicalJson(recorded.config) !== canonicalJson(config)) return 'the configuration changed';
  if (canonicalJson(recorded.data?.sha256) !== canonicalJson(source.sha256)) return 'the data changed';
  if (recorded.versions?.code !== codeVersion()) return 'the training code changed';
  if (config.teacher && recorded.teacher?.weightsSha256 !== teacherRecord(config.teacher).weightsSha256) return 'the teacher changed';
  return undefined;
}

/** A finished run read back as trainRun returned it (the model loaded, the test set evaluated again). */
export async function loadRunResult(runDir: string, data: MnistData): Promise<RunResult> {
  const config = readRunConfig(runDir);
  const summary = readSummary(runDir);
  const metrics = readMetrics(runDir);
  const model = await loadModel(modelDir(runDir));
  const test = evaluateModel(model, data.test, firstIndices(data.test.count, config.testLimit));
  return { runDir, config, metrics, summary, model, test };
}
