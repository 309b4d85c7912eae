/**
 * npm run evaluate, given hostile arguments and damaged run files: each case exits 2 or 1 with one line
 * naming the option or file and leaves the run as it was — except that evaluate keeps the evaluation it
 * computed when only summary.json is damaged.
 */
import { BACKEND_ORDER } from '../lib/backend/select';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BadCase, badInputMatrix, damagedRun, finishedRun, RUN_DAMAGE, runArgs, runCopy, writeDataset } from './bad-input';

let data32 = '';

const evaluateCases: BadCase[] = [
  { name: 'no --run is refused', args: [], code: 2, says: /--run DIR is required/ },
  { name: 'a missing run directory is named', args: ['--run', '/nonexistent/run'], code: 1, says: /\/nonexistent\/run: no finished run here/ },
  damagedRun('--test-limit 0 is refused', () => undefined, /--test-limit must be an integer ≥ 1, got "0"/, (r) => [...runArgs(r), '--test-limit', '0'], 2),
  damagedRun('--test-limit -5 gives the range message', () => undefined, /--test-limit must be an integer ≥ 1, got "-5"/, (r) => [...runArgs(r), '--test-limit', '-5'], 2),
  damagedRun('--backend nope is refused', () => undefined, new RegExp(`--backend must be one of ${BACKEND_ORDER.join(", ")}`), (r) => [...runArgs(r), '--backend', 'nope'], 2),
  damagedRun('a missing --data directory is named', () => undefined, /\/nonexistent\/data: data directory does not exist/, (r) => [...runArgs(r), '--data', '/nonexistent/data']),
  damagedRun('--data with images of another size than the model is named', () => undefined, /its images are 32×32, the run's model takes 28×28/, (r) => [...runArgs(r), '--data', data32]),
  ...RUN_DAMAGE.map(([name, damage, says]) => damagedRun(name, damage, says)),
  (() => {
    let run = '';
    return {
      name: 'a corrupt summary.json is named and the computed evaluation is kept',
      setup: async () => {
        run = await runCopy();
        writeFileSync(join(run, 'summary.json'), '{"testAccuracy": 0.9');
      },
      args: () => ['--run', run, '--backend', 'wasm'],
      code: 1,
      says: /summary\.json: corrupt or truncated JSON .* evaluation\.json was written without the comparison/,
      noTemporaries: () => [run],
      check: (outcome) => {
        assert.match(outcome.stdout, /^test accuracy \d+\.\d\d% \(loss/);
        const evaluation = JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8'));
        assert.is(evaluation.testSamples, 60);
        assert.is(evaluation.summaryTestAccuracy, null);
      },
    } as BadCase;
  })(),
];

test.before(async () => {
  await finishedRun();
  data32 = await writeDataset({ train: 40, test: 20, side: 32 });
});

badInputMatrix(test, 'evaluate.ts', 'evaluate', evaluateCases);

test.run();
