/** npm run ensemble — averages the probabilities of several finished runs and evaluates them as one model. */
import { relative, resolve } from 'path';
import { BACKEND_ORDER, initBackend } from '../backend/select';
import { evaluateEnsemble } from '../train/ensemble';
import { HALVINGS, SELECTION_RULES } from '../train/ensemble-choice';
import { defaultRunDir } from '../train/run-dir';
import { choiceOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run ensemble -- --runs DIR DIR... [--choose] [--out DIR] [--backend B]

  --runs DIR...   two or more finished runs (npm run train, or results/reference/<name>)
  --choose        pick the members among the runs on the validation split alone, by the rule that does best
                  on held-out halves of it: ${SELECTION_RULES.length} rules (greedy forward selection, the k best runs, all
                  of them) each pick on one half and are scored on the other, ${HALVINGS} times; the winner then
                  picks on the whole split (the runs must share a validation split: train them with one
                  --split-seed)
  --out DIR       where the ensemble goes (default results/runs/<timestamp>-ensemble)
  --backend B     ${BACKEND_ORDER.join(' | ')}

Each run's model predicts the test set (and, when all runs hold out the same validation images — train
them with one --split-seed — the validation split); the mean of their probabilities is evaluated like one
model. DIR gets config.json (the members) and summary.json (accuracy, loss, confusion matrix, per-class
metrics, calibration, "family": "ensemble"), read by the report and npm run plots like any run.
`;

runCli('ensemble', USAGE, async (argv) => {
  const { values, positionals } = parseCli(argv, { runs: { type: 'string', multiple: true }, choose: { type: 'boolean' }, out: { type: 'string' }, backend: { type: 'string' } }, true);
  const runs = [...(values.runs ?? []), ...positionals].map((dir) => resolve(dir));
  if (runs.length < 2) throw new UsageError('--runs needs two or more run directories');
  const outDir = values.out ? resolve(values.out) : defaultRunDir('ensemble');
  await initBackend(choiceOption('backend', values.backend, BACKEND_ORDER));
  const { summary, validation, noValidation, choice } = await evaluateEnsemble(runs, outDir, { choose: values.choose });
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  if (choice) {
    const judged = SELECTION_RULES.map((rule) => `${rule} ${pct(choice.heldOut[rule])}`).join(', ');
    process.stdout.write(`rule: ${choice.rule} (held-out accuracy over ${HALVINGS} halvings of the validation split: ${judged})\n`);
  }
  for (const [i, c] of (choice?.joined ?? []).entries()) {
    process.stdout.write(`${i ? 'added' : 'chose'} ${relative(process.cwd(), c.dir)}: validation ${pct(c.valAccuracy)}\n`);
  }
  process.stdout.write(
    `ensemble of ${choice?.joined.length ?? runs.length}: test accuracy ${pct(summary.testAccuracy)} (loss ${summary.testLoss.toFixed(4)}); ` +
      (validation ? `validation ${pct(validation.accuracy)}` : `no validation figure: ${noValidation}`) +
      ` — saved in ${relative(process.cwd(), outDir) || '.'}\n`,
  );
});
