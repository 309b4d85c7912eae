/**
 * Command-line arguments as typed values: parseArgs with negative numbers allowed as values, and the option
 * readers every command (and the benchmark's child process) shares. A bad value is a UsageError.
 */
import { parseArgs, ParseArgsConfig } from 'util';
import { UsageError } from './errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A negative number after a string option is its value ("--epochs -1"), not an unknown short option. */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    if (name && options[name]?.type === 'string' && /^-(\d|\.\d)/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

type ParseConfig<T extends OptionSpec> = { args: string[]; options: T; allowPositionals: boolean; strict: true };
/** Named, so the declarations of the build can refer to it (util's own name for it is not exported). */
export type ParsedCli<T extends OptionSpec> = ReturnType<typeof parseArgs<ParseConfig<T>>>;

export function parseCli<T extends OptionSpec>(argv: string[], options: T, allowPositionals = false): ParsedCli<T> {
  try {
    return parseArgs<ParseConfig<T>>({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true });
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
