/**
 * The version of the code that decides what a training produces: a hash of the sources of the training chain
 * (data, models, training, evaluation, the engines and their native kernels) and of the locked dependencies.
 * A finished run recorded with the same hash, configuration and data would come out the same when retrained,
 * so the notebook series reuses it; a change to any of these files retrains. Figures, report and CLI code
 * are left out: changing a plot does not change a model.
 */
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import { PROJECT_ROOT } from './paths';

const TRAINING_SOURCES = ['lib/data', 'lib/models', 'lib/train', 'lib/eval', 'lib/backend', 'native/onednn/src', 'native/onednn/binding.gyp', 'package-lock.json'];

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

let cached: string | undefined;

export function codeVersion(root = PROJECT_ROOT): string {
  if (root === PROJECT_ROOT && cached) return cached;
  const hash = createHash('sha256');
  for (const file of TRAINING_SOURCES.flatMap((p) => filesUnder(join(root, p)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const version = hash.digest('hex').slice(0, 16);
  if (root === PROJECT_ROOT) cached = version;
  return version;
}
