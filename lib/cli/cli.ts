/** Shared command-line plumbing: one-line errors instead of stack traces, and running a command in process (tests). */
import { PixelwiseError } from '../util/errors';
import { systemProblem } from '../util/files';

export { choiceOption, intOption, numberOption, parseCli } from '../util/args';
export { PixelwiseError, UsageError } from '../util/errors';
export type { OptionSpec } from '../util/args';

export type CommandMain = (argv: string[]) => Promise<void>;

export const exitCodeOf = (err: Error) => (err instanceof PixelwiseError ? err.exitCode : 1);

/**
 * What a failed command prints: the library's own errors whole, system errors as one line naming their path,
 * anything else its first line; bad arguments (exit 2) point to --help.
 */
export function errorLine(name: string, err: Error): string {
  const { path, code } = err as NodeJS.ErrnoException;
  const message = err instanceof PixelwiseError ? err.message : path && code ? `${path}: ${systemProblem(err)}` : err.message.split('\n')[0];
  return `${name}: ${message}${exitCodeOf(err) === 2 ? ` (run "npm run ${name} -- --help" for usage)` : ''}`;
}

/** Set by runInProcess: commands register their main function instead of running it. */
let registering: ((name: string, main: CommandMain) => void) | undefined;

/**
 * Runs a command's main function: an error ends it with errorLine on stderr and exitCodeOf's status
 * (PIXELWISE_DEBUG=1 shows the stack).
 */
export function runCli(name: string, usage: string, main: CommandMain): void {
  if (registering) return registering(name, main);
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(usage.trim() + '\n');
    return;
  }
  // Exit once stdout has taken every line written: a predict over hundreds of images must not lose its tail.
  const exit = (code: number) => process.stdout.write('', () => process.exit(code));
  main(process.argv.slice(2)).then(
    () => exit(0),
    (err: Error) => {
      process.stderr.write(errorLine(name, err) + '\n');
      if (process.env.PIXELWISE_DEBUG) process.stderr.write(`${err.stack}\n`);
      exit(exitCodeOf(err));
    },
  );
}

const registered = new Map<string, { name: string; main: CommandMain }>();

/** A command's main function for running in this process (tests): requiring its file registers it. */
export function commandMain(file: string): { name: string; main: CommandMain } {
  const path = require.resolve(file);
  if (!registered.has(path)) {
    registering = (name, main) => registered.set(path, { name, main });
    try {
      require(path);
    } finally {
      registering = undefined;
    }
  }
  const command = registered.get(path);
  if (!command) throw new Error(`${file}: did not register a command (loaded before commandMain?)`);
  return command;
}
