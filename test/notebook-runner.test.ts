/**
 * The headless notebook runner on tiny temporary notebooks (no library import, no training): outputs,
 * parameter injection, the first failing cell, and the series runner's one-process-per-notebook path.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { executeNotebook } from '../lib/notebook/execute';
import { CodeCell, joinText, Notebook, readNotebook, splitLines } from '../lib/notebook/ipynb';
import { declaresParam, injectionFromArgs, injectionFor } from '../lib/notebook/parameters';
import { parseKeyValue } from '../lib/util/key-value';
import { crashLines, NotebookFailure, planSeries, runSeries } from '../lib/notebook/series';

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-nb-'));
const cwd = process.cwd();

function notebook(cells: { source: string; tags?: string[]; markdown?: boolean }[]): Notebook {
  return {
    cells: cells.map((c) =>
      c.markdown
        ? { cell_type: 'markdown', metadata: {}, source: splitLines(c.source) }
        : { cell_type: 'code', metadata: c.tags ? { tags: c.tags } : {}, source: splitLines(c.source), outputs: [], execution_count: null },
    ),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 4,
  };
}

function save(name: string, nb: Notebook): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

const PARAMETERS = [
  'interface Params { n: number; label?: string }',
  "const profiles: Record<'full' | 'quick', Params> = { full: { n: 1 }, quick: { n: 10 } };",
  "let profile: 'full' | 'quick' = 'full';",
  'let overrides: Partial<Params> = {};',
].join('\n');

const good = save(
  '01-good.ipynb',
  notebook([
    { source: '# A tiny notebook', markdown: true },
    { source: PARAMETERS, tags: ['parameters'] },
    { source: 'const params = { ...profiles[profile], ...overrides };\nconsole.log(`n=${params.n} label=${params.label ?? "-"}`);' },
    { source: "import * as tslab from 'tslab';\ntslab.display.html('<b>shown</b>');\nprocess.stderr.write('to stderr\\n');\nawait new Promise((r) => setTimeout(r, 5));\nparams.n * 2" },
  ]),
);

const failing = save(
  '02-failing.ipynb',
  notebook([
    { source: PARAMETERS, tags: ['parameters'] },
    { source: 'const params = { ...profiles[profile], ...overrides };\nconsole.log("before");' },
    { source: '// the broken cell\nif (params.n > 0) throw new RangeError(`n is ${params.n}`);' },
    { source: 'console.log("never");' },
  ]),
);

const code = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.cell_type === 'code');
const text = (cell: CodeCell) => cell.outputs.map((o) => (o.output_type === 'stream' ? joinText(o.text) : '')).join('');

const execute = suite('executeNotebook');

execute('captures streams, rich displays and the last value; writes the executed notebook', async () => {
  const outFile = join(dir, 'out', '01-good.ipynb');
  const { failure, notebook: nb } = await executeNotebook(good, { outFile });
  assert.is(failure, undefined);
  const written = readNotebook(outFile);
  assert.equal(written, JSON.parse(JSON.stringify(nb)));
  const cells = code(written);
  assert.equal(cells.map((c) => c.execution_count), [1, 2, 3]);
  assert.is(text(cells[1]), 'n=1 label=-\n');
  assert.ok(cells[2].outputs.some((o) => o.output_type === 'display_data' && joinText(o.data['text/html']) === '<b>shown</b>'));
  assert.ok(cells[2].outputs.some((o) => o.output_type === 'stream' && o.name === 'stderr' && joinText(o.text) === 'to stderr\n'));
  assert.match(text(cells[2]), /^2\n$/m);
  assert.is(process.cwd(), cwd, 'working directory restored');
});

execute('the quick profile and overrides are injected after the parameters cell', async () => {
  const injection = injectionFromArgs(true, ['label="x y"', 'unknown=3']);
  const { failure, notebook: nb } = await executeNotebook(good, { injection });
  assert.is(failure, undefined);
  const cells = code(nb);
  assert.equal(cells[1].metadata.tags, ['injected-parameters']);
  assert.not.match(joinText(cells[1].source), /unknown/, 'only declared parameters are injected');
  assert.is(text(cells[2]), 'n=10 label=x y\n');
  assert.equal((nb.metadata.pixelwise as { injection: unknown }).injection, { profile: 'quick', overrides: { label: 'x y' } });
});

execute('stops at the first failing cell with its number and the real error', async () => {
  const outFile = join(dir, 'out', '02-failing.ipynb');
  const { failure } = await executeNotebook(failing, { outFile });
  assert.ok(failure);
  assert.is(failure!.cell, 3);
  assert.is(failure!.firstLine, '// the broken cell');
  assert.is(failure!.message, 'RangeError: n is 1');
  const cells = code(readNotebook(outFile));
  const error = cells[2].outputs.find((o) => o.output_type === 'error');
  assert.ok(error && error.output_type === 'error' && error.ename === 'RangeError' && error.evalue === 'n is 1');
  assert.is(cells[3].execution_count, null, 'later cells are not executed');
  assert.equal(cells[3].outputs, []);
});

execute('a type error fails its cell with the compiler message; an injected value of the wrong type too', async () => {
  const typo = save('03-typo.ipynb', notebook([{ source: 'const x = 1;' }, { source: 'const y: string = x;' }]));
  const { failure } = await executeNotebook(typo);
  assert.is(failure?.cell, 2);
  assert.match(failure!.message, /^1:7 - Type 'number' is not assignable to type 'string'/);
  const wrong = await executeNotebook(good, { injection: injectionFromArgs(false, ['n=abc']) });
  assert.is(wrong.failure?.cell, 0, 'the injected cell');
  assert.match(wrong.failure!.message, /not assignable to type 'number'/);
});

execute.run();

const params = suite('parameters');

params('--param values are JSON when they parse, strings otherwise; keys must be names', () => {
  assert.equal(parseKeyValue('epochs=3', '--param'), ['epochs', 3]);
  assert.equal(parseKeyValue('models=["a","b"]', '--param'), ['models', ['a', 'b']]);
  assert.equal(parseKeyValue('augment=false', '--param'), ['augment', false]);
  assert.equal(parseKeyValue('model=cnn-small', '--param'), ['model', 'cnn-small']);
  assert.equal(parseKeyValue('note=', '--param'), ['note', '']);
  assert.throws(() => parseKeyValue('=3', '--param'), /key=value/);
  assert.throws(() => parseKeyValue('epochs', '--param'), /key=value/);
});

params('a parameter applies to the notebooks that declare it; one that none declares is refused', () => {
  const nb = readNotebook(good);
  assert.ok(declaresParam(nb, 'label'));
  assert.ok(declaresParam(nb, 'n'));
  assert.not.ok(declaresParam(nb, 'epochs'));
  assert.equal(injectionFor(nb, { overrides: { n: 2, epochs: 3 } }).overrides, { n: 2 });
  assert.throws(() => planSeries([good, failing], false, ['epochz=3']), /declares the parameter\(s\) epochz/);
  assert.equal(planSeries([good], true, ['n=4']).injection, { profile: 'quick', overrides: { n: 4 } });
});

params.run();

const series = suite('runSeries');

series('one process per notebook, in order; stops at the first failure and names notebook and cell', async () => {
  const outDir = join(dir, 'series');
  const never = save('03-never.ipynb', notebook([{ source: 'console.log(1);' }]));
  let error: unknown;
  try {
    await runSeries([good, failing, never], { outDir, injection: injectionFromArgs(true) });
  } catch (err) {
    error = err;
  }
  assert.instance(error, NotebookFailure);
  const message = (error as Error).message;
  assert.match(message, /^02-failing\.ipynb, cell 3 \(`\/\/ the broken cell`\): RangeError: n is 10 \(outputs in .*02-failing\.ipynb\)$/);
  assert.ok(existsSync(join(outDir, '01-good.ipynb')));
  assert.ok(existsSync(join(outDir, '02-failing.ipynb')));
  assert.not.ok(existsSync(join(outDir, '03-never.ipynb')));
});

series('a notebook process that dies is reported with the error it printed, not its stack frames', async () => {
  // Written to the descriptor itself, as Node does for a fatal exception: a cell's process.stderr is captured.
  const crash = "Error: boom from a watcher\\n    at FSWatcher.emit (node:events:524:28)\\nNode.js v20.20.2\\n";
  const crashing = save('04-crashing.ipynb', notebook([{ source: `require('fs').writeSync(2, '${crash}');\nprocess.exit(7);` }]));
  let error: unknown;
  try {
    await runSeries([crashing], { outDir: join(dir, 'crash') });
  } catch (err) {
    error = err;
  }
  const message = (error as Error).message;
  assert.match(message, /^04-crashing\.ipynb: the notebook process died \(exit code 7\): Error: boom from a watcher$/);
  assert.not.match(message, / at /);
});

series('crashLines keeps the error lines of a Node crash and drops its stack and version banner', () => {
  const stderr = ['/x/typescript.js:6104', '      throw err;', '      ^', '', "Error: ENOENT: no such file or directory, watch '/work/x'", '    at FSWatcher.<computed> (node:internal/fs/watchers:247:19)', '    at Object.watch (node:fs:2469:36)', '', 'Node.js v20.20.2', ''].join('\n');
  assert.is(crashLines(stderr), "throw err; | ^ | Error: ENOENT: no such file or directory, watch '/work/x'");
  assert.is(crashLines(''), '');
});

series.after(() => rmSync(dir, { recursive: true, force: true }));
series.run();
