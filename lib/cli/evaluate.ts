/** npm run evaluate — reloads a run's saved model and recomputes its test metrics into evaluation.json. */
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import { evaluateRun } from '../train/evaluate-run';
import { writeJsonAtomic } from '../util/atomic';
import { readJsonFile } from '../util/files';
import { choiceOption, intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run evaluate -- --run DIR [--data DIR] [--test-limit N] [--backend B]

  --run DIR         a run directory written by npm run train
  --data DIR        evaluate on another MNIST-format dataset directory
  --test-limit N    first N test images (default: as in the run's config)
  --backend B       ${BACKEND_ORDER.join(' | ')}

Prints the test accuracy and loss next to those in summary.json and writes DIR/evaluation.json.
`;

runCli('evaluate', USAGE, async (argv) => {
  const { values } = parseCli(argv, {
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
  // The evaluation just computed is kept whatever state summary.json is in; a damaged one is reported after.
  let recorded: { testAccuracy: number } | undefined;
  let summaryError: Error | undefined;
  try {
    recorded = existsSync(summaryFile) ? readJsonFile(summaryFile) : undefined;
  } catch (err) {
    summaryError = err as Error;
  }
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
  if (summaryError) throw new Error(`${summaryError.message} — evaluation.json was written without the comparison`);
});
