/** Project-relative locations, found from this file so they hold from src, from a build and from a notebook's folder. */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'pixelwise') return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const RESULTS_DIR = join(PROJECT_ROOT, 'results');
export const RUNS_DIR = join(RESULTS_DIR, 'runs');
/** The committed reference runs: every registered model trained with its full recipe, and the best ensemble. */
export const REFERENCE_DIR = join(RESULTS_DIR, 'reference');

/** "20261202-125501" (UTC) to start a directory name: sorts by time, and no shell or filesystem minds it. */
export function timestampName(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}
