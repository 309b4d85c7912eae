/** Re-renders every figure of a finished run from its directory alone, into DIR/plots/. */
import { join } from 'path';
import { firstIndices } from '../data/dataset';
import { loadMnist, MnistData } from '../data/mnist';
import { evaluateModel, Evaluation } from '../eval/evaluate';
import { loadModel } from '../models/io';
import { ExportFormat, ExporterOptions, FigureExporter } from '../plot/export';
import { InterpretOptions, interpretFigures } from './interpret-figures';
import { misclassifiedExamples, NamedFigure, runFigures } from './run-figures';
import { loadRun, modelDir, RunRecord } from '../train/run-dir';

/**
 * The run's saved model re-evaluated on the run's own test images, and what interpretFigures draws from
 * it. The model is disposed before this returns.
 */
export async function interpretRun(run: RunRecord, data: MnistData, options: InterpretOptions = {}): Promise<{ evaluation: Evaluation; figures: NamedFigure[] }> {
  const model = await loadModel(modelDir(run.dir));
  try {
    const indices = firstIndices(data.test.count, run.config.testLimit);
    const evaluation = evaluateModel(model, data.test, indices);
    return { evaluation, figures: interpretFigures({ name: run.name, run, model, test: data.test, indices, evaluation }, options) };
  } finally {
    model.dispose();
  }
}

/**
 * Curves and metrics come from metrics.jsonl and summary.json; the misclassified examples and the
 * interpretation figures need the saved model, re-evaluated on the run's own test images. Returns the
 * written files.
 */
export async function plotRun(runDir: string, formats: ExportFormat[] = ['png', 'svg', 'html'], options: ExporterOptions = {}): Promise<string[]> {
  const run = loadRun(runDir);
  const data = await loadMnist(run.config.dataDir);
  const { evaluation, figures: interpretation } = await interpretRun(run, data);
  const indices = firstIndices(data.test.count, run.config.testLimit);
  const figures = [...runFigures(run.name, run, misclassifiedExamples(data.test, indices, evaluation)), ...interpretation];
  const exporter = new FigureExporter(options);
  try {
    const files: string[] = [];
    for (const { name, figure } of figures) files.push(...(await exporter.save(figure, join(run.dir, 'plots', name), formats)));
    return files;
  } finally {
    await exporter.close();
  }
}
