/** npm run plots -- --run DIR — re-renders every figure of a finished run into DIR/plots/. */
import { relative, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import { EXPORT_FORMATS, ExportFormat } from '../plot/export';
import { plotRun } from '../report/plot-run';
import { choiceOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run plots -- --run DIR [--formats png,svg,html] [--backend B]

  --run DIR        a finished run directory (config.json, metrics.jsonl, summary.json, model/)
  --formats LIST   comma-separated subset of png, svg, html (default: all three)
  --backend B      ${BACKEND_ORDER.join(' | ')}, for re-evaluating the saved model

Writes DIR/plots/: training-curves, confusion-matrix, confusion-matrix-normalised, per-class,
misclassified (the saved model's most confident mistakes on the run's test images), saliency,
gradcam (CNNs) or attention-rollout (ViTs), calibration (reliability diagram, ECE), embedding
(UMAP of the penultimate features) and confusion-trend (when metrics.jsonl recorded it). PNG and
SVG are rendered in one headless Chromium; HTML needs none.
`;

runCli('plots', USAGE, async (argv) => {
  const { values } = parseCli(argv, {
    run: { type: 'string' },
    formats: { type: 'string' },
    backend: { type: 'string' },
  });
  if (!values.run) throw new UsageError('--run DIR is required');
  const formats = (values.formats ?? EXPORT_FORMATS.join(',')).split(',').map((f) => choiceOption('formats', f.trim(), EXPORT_FORMATS) as ExportFormat);
  await initBackend(choiceOption('backend', values.backend, BACKEND_ORDER));
  const files = await plotRun(resolve(values.run), formats);
  process.stdout.write(files.map((f) => relative(process.cwd(), f)).join('\n') + '\n');
});
