/** Atomic file writes: write a temp file beside the target, then rename, so a killed run never leaves half a file. */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { threadId } from 'worker_threads';
import { nameFile } from './files';

// Worker threads share the pid: without the thread id, two writing one file would share the temp file.
const temporaryOf = (file: string) => `${file}.${process.pid}.${threadId}.tmp`;
/** The names temporaryOf gives, whatever the pid and thread. */
const TEMPORARY = /\.\d+(\.\d+)?\.tmp$/

export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const tmp = temporaryOf(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, contents);
    renameSync(tmp, file);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Its folder cannot hold files (a path through a file): the temporary was never made.
    }
    // A full disk says "ENOSPC: no space left on device, write" without a path: name the file.
    throw nameFile(err, file, 'write');
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Rewrites a whole JSON-lines file; small per-epoch logs make a full rewrite cheap and keep it atomic. */
export function writeJsonLinesAtomic(file: string, rows: unknown[]): void {
  writeFileAtomic(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
}

/**
 * Deletes the temporaries a killed process left in dir and its subfolders (one level deep). Only for a
 * directory the caller holds the lock of: then no live writer owns any of them.
 */
export function removeTemporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const inner of readdirSync(path)) if (TEMPORARY.test(inner)) removed.push(join(path, inner));
    } else if (TEMPORARY.test(entry.name)) removed.push(path);
  }
  removed.forEach((file) => rmSync(file, { force: true }));
  return removed;
}
