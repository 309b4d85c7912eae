/** Re-renders every figure of a finished run from its directory alone, into DIR/plots/. */
import { join } from 'path';
import { firstIndices } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { evaluateRun } from '../eval/evaluate-run';
import { ExportFormat, ExporterOptions, FigureExporter } from '../plot/export';
import { misclassifiedExamples, runFigures } from './run-figures';
import { loadRun } from './runs';

/**
 * Curves and metrics come from metrics.jsonl and summary.json; the misclassified examples need the saved
 * model, re-evaluated on the run's own test images. Returns the written files.
 */
export async function plotRun(runDir: string, formats: ExportFormat[] = ['png', 'svg', 'html'], options: ExporterOptions = {}): Promise<string[]> {
  const run = loadRun(runDir);
  const data = await loadMnist(run.config.dataDir);
  const { evaluation } = await evaluateRun(run.dir, { data });
  const indices = firstIndices(data.test.count, run.config.testLimit);
  const figures = runFigures(run.name, run, misclassifiedExamples(data.test, indices, evaluation));
  const exporter = new FigureExporter(options);
  try {
    const files: string[] = [];
    for (const { name, figure } of figures) files.push(...(await exporter.save(figure, join(run.dir, 'plots', name), formats)));
    return files;
  } finally {
    await exporter.close();
  }
}
