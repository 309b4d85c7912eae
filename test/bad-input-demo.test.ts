/**
 * npm run demo, given hostile arguments and damaged runs: it refuses at start, before bundling or listening,
 * with one line naming the option or file — a truncated weight file or an unknown layer no longer gets as far as the page.
 */
import { test } from 'uvu';
import { rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BadCase, badInputMatrix, damagedRun, editFile, finishedRun, RUN_DAMAGE, tempDir } from './bad-input';

/** config.json only labels the page: a damaged one is no reason to refuse. */
const refusedAtStart = RUN_DAMAGE.filter(([name]) => !/config\.json/.test(name));

let empty = '';

const cases: BadCase[] = [
  { name: '--port 70000 is refused', args: ['--port', '70000'], code: 2, says: /--port must be at most 65535, got 70000/ },
  { name: '--port -1 gives the range message', args: ['--port', '-1'], code: 2, says: /--port must be an integer ≥ 0, got "-1"/ },
  { name: '--port abc is refused', args: ['--port', 'abc'], code: 2, says: /--port must be an integer ≥ 0, got "abc"/ },
  { name: 'an unknown option is refused', args: ['--host', '0.0.0.0'], code: 2, says: /Unknown option '--host'/ },
  { name: 'a missing run directory is named', args: ['--run', '/nonexistent/run'], code: 1, says: /\/nonexistent\/run: no such run directory/ },
  { name: 'a directory without a model is named', args: () => ['--run', empty], code: 1, says: /no finished run here \(model\/model\.json missing\)/ },
  // The demo takes no --backend: the browser chooses.
  ...refusedAtStart.map(([name, damage, says]) => damagedRun(name, damage, says, (r) => ['--run', r, '--port', '0'])),
  // The page flags uncertain digits with the run's threshold: without one it would flag nothing, so the run is refused.
  damagedRun('a corrupt calibration.json is named', (r) => writeFileSync(join(r, 'calibration.json'), '{"threshold": '), /calibration\.json: corrupt or truncated JSON/, (r) => ['--run', r, '--port', '0']),
  damagedRun(
    'a run without calibration.json nor a validation split to compute it is refused',
    (r) => {
      rmSync(join(r, 'calibration.json'));
      editFile(join(r, 'config.json'), (t) => t.replace(/"valFraction": [0-9.e-]+/, '"valFraction": 0'));
    },
    /no validation split to calibrate its uncertainty threshold on \(train with --val-fraction > 0\)/,
    (r) => ['--run', r, '--port', '0'],
  ),
];

test.before(async () => {
  await finishedRun();
  empty = tempDir('empty-run');
});

badInputMatrix(test, 'demo.ts', 'demo', cases);

test.run();
