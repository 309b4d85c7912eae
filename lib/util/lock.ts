/**
 * A directory lock holding the owner's pid: a second process refuses at once naming the first, and a lock
 * left by a killed process is taken over (its pid is no longer alive), so no lock is ever stuck.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'fs';
import { join } from 'path';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `dir/name`, or explains who holds it; returns the release function. `what` words the refusal ("the sweep"). */
export function lockDirectory(dir: string, name: string, what: string): () => void {
  const file = join(dir, name);
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid = 0;
    try {
      pid = Number(readFileSync(file, 'utf8'));
    } catch {
      // Removed between our attempt and this read: try again.
    }
    if (pid > 0 && processAlive(pid)) throw new Error(`${dir}: ${what} is already running in process ${pid} (delete ${name} if it is not)`);
    rmSync(file, { force: true });
  }
}
