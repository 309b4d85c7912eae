/** npm run evaluate — reloads a run's saved model and recomputes its test metrics into evaluation.json. */
import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import '../models';
import { evaluateRun } from '../eval/evaluate-run';
import { writeJsonAtomic } from '../util/atomic';
import { choiceOption, intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run evaluate -- --run DIR [--data DIR] [--test-limit N] [--backend B]

  --run DIR         a run directory written by npm run train
  --data DIR        evaluate on another MNIST-format dataset directory
  --test-limit N    first N test images (default: as in the run's config)
  --backend B       ${BACKEND_ORDER.join(' | ')}

Prints the test accuracy and loss next to those in summary.json and writes DIR/evaluation.json.
`;

runCli('evaluate', USAGE, async () => {
  const { values } = parseCli(process.argv.slice(2), {
    run: { type: 'string' },
    data: { type: 'string' },
    'test-limit': { type: 'string' },
    backend: { type: 'string' },
  });
  if (!values.run) throw new UsageError('--run DIR is required');
  const runDir = resolve(values.run);
  if (!existsSync(join(runDir, 'model', 'model.json'))) throw new Error(`${runDir}: no finished run here (model/model.json missing)`);
  const backend = await initBackend(choiceOption('backend', values.backend, BACKEND_ORDER));
  const { evaluation, testSamples } = await evaluateRun(runDir, {
    dataDir: values.data ? resolve(values.data) : undefined,
    testLimit: intOption('test-limit', values['test-limit']),
  });
  const summaryFile = join(runDir, 'summary.json');
  const recorded = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
  const result = {
    backend: backend.name,
    testSamples,
    testAccuracy: evaluation.accuracy,
    testLoss: evaluation.loss,
    summaryTestAccuracy: recorded?.testAccuracy ?? null,
    confusionMatrix: evaluation.confusionMatrix,
    perClass: evaluation.perClass,
    macro: evaluation.macro,
  };
  writeJsonAtomic(join(runDir, 'evaluation.json'), result);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  process.stdout.write(
    `test accuracy ${pct(evaluation.accuracy)} (loss ${evaluation.loss.toFixed(4)}) on ${testSamples} images` +
      (recorded ? `; summary.json says ${pct(recorded.testAccuracy)}` : '') + '\n',
  );
});
