/** System errors become one line naming the path, whichever call raised them and whether or not Node named it. */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorLine, UsageError } from '../lib/cli/cli';
import { removeTemporaries, writeFileAtomic } from '../lib/util/atomic';
import { readJsonFile, readJsonLinesFile } from '../lib/util/files';

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-files-'));

/** The shape of Node's errors: a code, sometimes a path, a message that may lack it. */
const systemError = (code: string, message: string, path?: string) => Object.assign(new Error(message), { code, ...(path && { path }) });

test('EACCES, ENOSPC, EMFILE, ENOENT and EISDIR with a path print as one line naming it', () => {
  const cases: [string, string][] = [
    ['EACCES', 'permission denied (EACCES)'],
    ['ENOSPC', 'no space left on the device (ENOSPC)'],
    ['EMFILE', 'too many open files (EMFILE)'],
    ['ENOENT', 'no such file or directory (ENOENT)'],
    ['EISDIR', 'is a directory, not a file (EISDIR)'],
  ];
  for (const [code, text] of cases) {
    assert.is(errorLine('train', systemError(code, `${code}: something, open '/runs/x/config.json'`, '/runs/x/config.json')), `train: /runs/x/config.json: ${text}`);
  }
});

test('a usage error carries the help hint on the same line', () => {
  assert.is(errorLine('tune', new UsageError('--eta must be an integer ≥ 2, got "1"')), 'tune: --eta must be an integer ≥ 2, got "1" (run "npm run tune -- --help" for usage)');
});

test('a failed atomic write names the target file and leaves no temporary', () => {
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, 'x');
  const target = join(blocker, 'summary.json');
  assert.throws(() => writeFileAtomic(target, '{}'), new RegExp(`^${target}: cannot write: a file is in the way \\(a folder was needed\\) \\(EEXIST\\)$`));
  assert.equal(readdirSync(dir), ['a-file']);
});

test('corrupt, empty and torn JSON files are named with the line', () => {
  writeFileSync(join(dir, 'empty.json'), '');
  writeFileSync(join(dir, 'torn.jsonl'), '{"epoch": 1}\n{"epoch": 2, "lo');
  assert.throws(() => readJsonFile(join(dir, 'empty.json')), /empty\.json: empty JSON/);
  assert.throws(() => readJsonLinesFile(join(dir, 'torn.jsonl')), /torn\.jsonl: line 2 is not valid JSON \(torn or corrupt\)/);
  assert.throws(() => readJsonFile(join(dir, 'none.json')), /none\.json: cannot read: no such file or directory \(ENOENT\)/);
});

test('removeTemporaries deletes only files named like a temporary, here and one folder down', () => {
  const run = mkdtempSync(join(tmpdir(), 'pixelwise-tmps-'));
  writeFileAtomic(join(run, 'model', 'model.json'), '{}');
  writeFileSync(join(run, 'metrics.jsonl.1234.tmp'), '');
  writeFileSync(join(run, 'model', 'weights.bin.99.tmp'), '');
  writeFileSync(join(run, 'notes.tmp.txt'), '');
  assert.is(removeTemporaries(run).length, 2);
  assert.equal(readdirSync(run).sort(), ['model', 'notes.tmp.txt']);
  assert.ok(existsSync(join(run, 'model', 'model.json')));
});

test.run();
