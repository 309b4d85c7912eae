/** npm run evaluate — reloads a run's saved model and recomputes its test (or validation) metrics into evaluation*.json. */
import { basename, join, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import { EVALUATION_SPLITS, evaluateRun } from '../train/evaluate-run';
import { hasModel, isFinishedRun, readSummary } from '../train/run-dir';
import { writeJsonAtomic } from '../util/atomic';
import { choiceOption, intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run evaluate -- --run DIR [--split test|validation] [--tta] [--data DIR] [--test-limit N] [--backend B]

  --run DIR         a run directory written by npm run train
  --split S         test (default) or validation: the run's own held-out split, recomputed from its config
                    (where to compare options such as --tta without looking at the test set)
  --tta             test-time augmentation: average the predictions of each image and its four one-pixel shifts
  --data DIR        evaluate on another MNIST-format dataset directory
  --test-limit N    first N test images (default: as in the run's config)
  --backend B       ${BACKEND_ORDER.join(' | ')}

Prints the accuracy and loss (on the test set next to those in summary.json) and writes DIR/evaluation.json
(evaluation-validation.json for --split validation, with -tta before .json for --tta).
`;

runCli('evaluate', USAGE, async (argv) => {
  const { values } = parseCli(argv, {
    run: { type: 'string' },
    data: { type: 'string' },
    'test-limit': { type: 'string' },
    split: { type: 'string' },
    tta: { type: 'boolean' },
    backend: { type: 'string' },
  });
  const split = choiceOption('split', values.split, EVALUATION_SPLITS) ?? 'test';
  if (!values.run) throw new UsageError('--run DIR is required');
  const runDir = resolve(values.run);
  if (!hasModel(runDir)) throw new Error(`${runDir}: no finished run here (model/model.json missing)`);
  const backend = await initBackend(choiceOption('backend', values.backend, BACKEND_ORDER));
  const { evaluation, samples } = await evaluateRun(runDir, {
    dataDir: values.data ? resolve(values.data) : undefined,
    testLimit: intOption('test-limit', values['test-limit']),
    split,
    tta: values.tta,
  });
  const output = join(runDir, `evaluation${split === 'validation' ? '-validation' : ''}${values.tta ? '-tta' : ''}.json`);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const line = `${split} accuracy ${pct(evaluation.accuracy)} (loss ${evaluation.loss.toFixed(4)}) on ${samples} images${values.tta ? ', test-time augmentation' : ''}`;
  if (split === 'validation') {
    writeJsonAtomic(output, { backend: backend.name, split, tta: !!values.tta, samples, accuracy: evaluation.accuracy, loss: evaluation.loss, confusionMatrix: evaluation.confusionMatrix, perClass: evaluation.perClass, macro: evaluation.macro });
    process.stdout.write(line + '\n');
    return;
  }
  // The evaluation just computed is kept whatever state summary.json is in; a damaged one is reported after.
  let recorded: { testAccuracy: number } | undefined;
  let summaryError: Error | undefined;
  try {
    recorded = isFinishedRun(runDir) ? readSummary(runDir) : undefined;
  } catch (err) {
    summaryError = err as Error;
  }
  const result = {
    backend: backend.name,
    tta: !!values.tta,
    testSamples: samples,
    testAccuracy: evaluation.accuracy,
    testLoss: evaluation.loss,
    summaryTestAccuracy: recorded?.testAccuracy ?? null,
    confusionMatrix: evaluation.confusionMatrix,
    perClass: evaluation.perClass,
    macro: evaluation.macro,
  };
  writeJsonAtomic(output, result);
  process.stdout.write(line + (recorded ? `; summary.json says ${pct(recorded.testAccuracy)}` : '') + '\n');
  if (summaryError) throw new Error(`${summaryError.message} — ${basename(output)} was written without the comparison`);
});
