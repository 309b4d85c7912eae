/**
 * npm run plots, given hostile arguments and damaged run files (a torn metrics.jsonl, a corrupt summary.json,
 * the model damage evaluate sees): each case exits 2 or 1 with one line naming the option or file, and
 * leaves the run as it was — no plots/ folder started.
 */
import { rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { test } from 'uvu';
import { BadCase, badInputMatrix, damagedRun, editFile, finishedRun, RUN_DAMAGE, runArgs } from './bad-input';

const plotsCases: BadCase[] = [
  { name: 'no --run is refused', args: [], code: 2, says: /--run DIR is required/ },
  damagedRun('--formats gif is refused', () => undefined, /--formats must be one of png, svg, html, got "gif"/, (r) => [...runArgs(r), '--formats', 'gif'], 2),
  { name: 'a missing run directory is named', args: ['--run', '/nonexistent/run', '--formats', 'html'], code: 1, says: /\/nonexistent\/run: not a run directory \(no config\.json\)/ },
  damagedRun('an unfinished run is named', (r) => rmSync(join(r, 'summary.json')), /the run has not finished \(no summary\.json\)/, (r) => [...runArgs(r), '--formats', 'html']),
  damagedRun('a corrupt summary.json is named', (r) => writeFileSync(join(r, 'summary.json'), '{"model": "cnn'), /summary\.json: corrupt or truncated JSON/, (r) => [...runArgs(r), '--formats', 'html']),
  damagedRun('a torn last line of metrics.jsonl is named', (r) => editFile(join(r, 'metrics.jsonl'), (t) => t + '{"epoch": 2, "lo'), /metrics\.jsonl: line 2 is not valid JSON \(torn or corrupt\)/, (r) => [...runArgs(r), '--formats', 'html']),
  ...RUN_DAMAGE.map(([name, damage, says]) => damagedRun(name, damage, says, (r) => [...runArgs(r), '--formats', 'html'])),
];

test.before(async () => {
  await finishedRun();
});

badInputMatrix(test, 'plots.ts', 'plots', plotsCases);

test.run();
