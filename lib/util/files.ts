/**
 * Reading run and data files so that every failure is one line naming the file: Node's own messages for
 * EISDIR or ENOSPC often carry no path, and JSON.parse never knows which file it was given.
 */
import { readFileSync } from 'fs';
import { PixelwiseError } from './errors';

export class FileError extends PixelwiseError {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

const SYSTEM_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a parent of this path is not a directory',
  EEXIST: 'a file is in the way (a folder was needed)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EROFS: 'read-only file system',
};

/** "no space left on the device (ENOSPC)" for a system error, else its first line. */
export function systemProblem(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  if (code && SYSTEM_PROBLEMS[code]) return `${SYSTEM_PROBLEMS[code]} (${code})`;
  return String(message ?? err).split('\n')[0];
}

/** A system error (it has a code) becomes a FileError naming `file`; anything else passes through. */
export function nameFile(err: unknown, file: string, verb: 'read' | 'write'): Error {
  if (err instanceof FileError || !(err as NodeJS.ErrnoException).code) return err as Error;
  return new FileError(file, `cannot ${verb}: ${systemProblem(err)}`);
}

export function readFileNamed(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw nameFile(err, file, 'read');
  }
}

export function readJsonFile<T = unknown>(file: string): T {
  const text = readFileNamed(file).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new FileError(file, `${text.trim() === '' ? 'empty' : 'corrupt or truncated'} JSON (${(err as Error).message})`);
  }
}

/** A JSON-lines file; a torn or corrupt line is named by number. */
export function readJsonLinesFile<T = unknown>(file: string): T[] {
  return readFileNamed(file)
    .toString('utf8')
    .split('\n')
    .map((line, i) => [line, i + 1] as const)
    .filter(([line]) => line.trim() !== '')
    .map(([line, number]) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new FileError(file, `line ${number} is not valid JSON (torn or corrupt)`);
      }
    });
}

/** JSON with object keys sorted: two records compare equal whatever order their keys were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
