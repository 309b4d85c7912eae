/** Shared command-line plumbing: option parsing with typed values, and one-line errors instead of stack traces. */
import { parseArgs, ParseArgsConfig } from 'util';

export class UsageError extends Error {}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCli<T extends OptionSpec>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

export function intOption(name: string, value: string | undefined, { min = 1 } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

export function numberOption(name: string, value: string | undefined, { positive = false } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !isFinite(n) || (positive && n <= 0) || n < 0) {
    throw new UsageError(`--${name} must be a ${positive ? 'positive' : 'non-negative'} number, got "${value}"`);
  }
  return n;
}

export function choiceOption<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/**
 * Runs a command's main function: usage errors exit 2 with a hint, any other error exits 1 with its
 * one-line message (PIXELWISE_DEBUG=1 shows the stack).
 */
export function runCli(name: string, usage: string, main: () => Promise<void>): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(usage.trim() + '\n');
    return;
  }
  main().then(
    () => process.exit(0),
    (err: Error) => {
      const message = err.message.split('\n')[0];
      process.stderr.write(`${name}: ${message}\n`);
      if (err instanceof UsageError) process.stderr.write(`Run "npm run ${name} -- --help" for usage.\n`);
      if (process.env.PIXELWISE_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
