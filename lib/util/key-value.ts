import { UsageError } from './errors';

/** A key=value command-line argument (--param, --model-option): the value is read as JSON when it parses (3, true, ["a","b"]) and as a plain string otherwise. */
export function parseKeyValue(arg: string, flag: string): [string, unknown] {
  const eq = arg.indexOf('=');
  const key = eq > 0 ? arg.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) throw new UsageError(`${flag} wants key=value with key a name, got "${arg}"`);
  const text = arg.slice(eq + 1);
  try {
    return [key, JSON.parse(text)];
  } catch {
    return [key, text];
  }
}
