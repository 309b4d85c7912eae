/**
 * The training options as npm run train's flags, read off the table in options.ts: the parseArgs spec, the
 * typed overrides a command line gives, the usage lines and the flag that names an option in a message.
 * A flag never takes a negative number; the configuration's own range is checked after (validateConfig).
 */
import { resolve } from 'path';
import type { ModelOptions } from '../models/spec';
import { choiceOption, intOption, numberOption, type OptionSpec } from '../util/args';
import { UsageError } from '../util/errors';
import { parseKeyValue } from '../util/key-value';
import { OPTION_NAMES, optionDef, type OptionDef, type OptionName, type TrainConfig } from './options';

/** Where the description starts in a usage line. */
const HELP_COLUMN = 24;

/** parseArgs's spec of every option's flag (a boolean has --flag and --no-flag). */
export const TRAIN_FLAGS: OptionSpec = Object.fromEntries(
  OPTION_NAMES.flatMap((name): [string, OptionSpec[string]][] => {
    const { kind, flag } = optionDef(name);
    if (kind === 'boolean') return [[flag, { type: 'boolean' }], [`no-${flag}`, { type: 'boolean' }]];
    return [[flag, kind === 'options' ? { type: 'string', multiple: true } : { type: 'string' }]];
  }),
);

/** The flag as a message or the usage names it, without its value: "epochs", "augment / --no-augment". */
export function flagOf(name: OptionName): string {
  const { kind, flag } = optionDef(name);
  return kind === 'boolean' ? `${flag} / --no-${flag}` : flag;
}

/** The configuration a command line asks for: one entry per option, undefined where its flag is absent. */
export function trainOverrides(values: Record<string, string | boolean | string[] | undefined>): Partial<TrainConfig> {
  return Object.fromEntries(OPTION_NAMES.map((name) => [name, readFlag(optionDef(name), values)])) as Partial<TrainConfig>;
}

function readFlag(def: OptionDef, values: Record<string, string | boolean | string[] | undefined>): unknown {
  const { kind, flag, range } = def;
  const value = values[flag];
  switch (kind) {
    case 'int':
      return intOption(flag, value as string | undefined, { min: range === 'positive' ? 1 : 0 });
    case 'number':
      return numberOption(flag, value as string | undefined, { positive: range === 'positive' });
    case 'choice':
      return choiceOption(flag, value as string | undefined, def.choices!);
    case 'boolean':
      return value ? true : values[`no-${flag}`] ? false : undefined;
    case 'path':
      return value ? resolve(value as string) : undefined;
    case 'string':
      return value;
    case 'options':
      return modelOptions(flag, value as string[] | undefined);
  }
}

/** Repeated key=value arguments as the model's options. */
function modelOptions(flag: string, args: string[] | undefined): ModelOptions | undefined {
  if (!args?.length) return undefined;
  const options: ModelOptions = {};
  for (const arg of args) {
    const [key, value] = parseKeyValue(arg, `--${flag}`);
    if (!['number', 'string', 'boolean'].includes(typeof value)) throw new UsageError(`--${flag} ${key} takes a number, string or boolean, got ${JSON.stringify(value)}`);
    options[key] = value as ModelOptions[string];
  }
  return options;
}

/** One line per option (more where its help has several), in the table's order. */
export function trainUsageLines(): string {
  return OPTION_NAMES.map((name) => {
    const def = optionDef(name);
    const head = `  --${flagOf(name)}${def.arg ? ` ${def.arg}` : ''}`;
    const text = typeof def.help === 'function' ? def.help() : def.help;
    const help = [def.choices?.join(' | '), text, def.helpDefault && `(default ${def.default})`].filter(Boolean).join(' ');
    const lines = help.split('\n');
    const first = head.length <= HELP_COLUMN - 2 ? head.padEnd(HELP_COLUMN) : `${head}   `;
    return [first + lines[0], ...lines.slice(1).map((line) => ' '.repeat(HELP_COLUMN) + line)].join('\n');
  }).join('\n');
}
