/** Atomic file writes: write a temp file beside the target, then rename, so a killed run never leaves half a file. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { dirname } from 'path';
import { threadId } from 'worker_threads';

export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  // Worker threads share the pid: without the thread id, two writing one file would share the temp file.
  const tmp = `${file}.${process.pid}.${threadId}.tmp`;
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Rewrites a whole JSON-lines file; small per-epoch logs make a full rewrite cheap and keep it atomic. */
export function writeJsonLinesAtomic(file: string, rows: unknown[]): void {
  writeFileAtomic(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
}
