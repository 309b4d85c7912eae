/**
 * Search spaces: parsing and validating the JSON form (spaces/*.json) or the TypeScript form (defineSpace with
 * choice/int/uniform/loguniform), and turning a trial's values into a TrainConfig.
 */
import { resolveConfig } from '../train/config';
import { OPTION_NAMES, optionDef, type OptionName } from '../train/options';
import type { TrainConfig } from '../train/types';
import { UsageError } from '../util/errors';
import { readJsonFile } from '../util/files';
import type { ParamSpec, ParamValue, ParamValues, SearchSpace } from './types';

/** A search space that cannot be searched as written. */
export class SpaceError extends UsageError {}

type Kind = 'int' | 'number' | 'boolean' | 'string';

/** The space's kind of a training option's values: a choice's values are strings. */
const kindIn = (name: OptionName): Kind => {
  const { kind } = optionDef(name);
  if (kind === 'int' || kind === 'number' || kind === 'boolean') return kind;
  return 'string';
};
const kindsOf = (role: 'search' | 'fixed'): Record<string, Kind> =>
  Object.fromEntries(OPTION_NAMES.filter((name) => optionDef(name).sweep === role).map((name) => [name, kindIn(name)]));

/** Training options a space may search, and those it may only fix (their values must be of their kind). */
const SEARCHABLE = kindsOf('search');
const FIXED_ONLY = kindsOf('fixed');

/** Options the sweep itself sets, with where they come from instead. */
const SET_BY_SWEEP = Object.fromEntries(
  OPTION_NAMES.flatMap((name) => {
    const role = optionDef(name).sweep;
    return typeof role === 'object' ? [[name, role.setBy]] : [];
  }),
) as Record<string, string>;

const MODEL_PREFIX = 'model.';
const TYPES = ['choice', 'int', 'uniform', 'loguniform'];
const FIELDS: Record<string, string[]> = {
  choice: ['values'],
  int: ['low', 'high', 'step'],
  uniform: ['low', 'high', 'gridPoints'],
  loguniform: ['low', 'high', 'gridPoints'],
};

export const choice = (values: ParamValue[]): ParamSpec => ({ type: 'choice', values });
export const int = (low: number, high: number, step = 1): ParamSpec => ({ type: 'int', low, high, step });
export const uniform = (low: number, high: number): ParamSpec => ({ type: 'uniform', low, high });
export const loguniform = (low: number, high: number): ParamSpec => ({ type: 'loguniform', low, high });

const isModelKey = (key: string) => key.startsWith(MODEL_PREFIX);

function kindOf(key: string, where: 'fixed' | 'params'): Kind | undefined {
  if (isModelKey(key)) {
    if (!/^[A-Za-z_]\w*$/.test(key.slice(MODEL_PREFIX.length))) throw new SpaceError(`${where}.${key}: model options are written model.NAME`);
    return undefined;
  }
  if (key in SET_BY_SWEEP) throw new SpaceError(`${where}.${key}: cannot be set in a space — ${SET_BY_SWEEP[key]}`);
  if (key in FIXED_ONLY && where === 'params') {
    throw new SpaceError(`params.${key}: cannot be searched (it changes the data the scores are measured on); set it in fixed`);
  }
  const kind = SEARCHABLE[key] ?? FIXED_ONLY[key];
  if (!kind) {
    const known = [...Object.keys(SEARCHABLE), ...Object.keys(FIXED_ONLY)].join(', ');
    throw new SpaceError(`${where}.${key}: unknown option "${key}" (training options: ${known}; model options are written model.NAME)`);
  }
  return kind;
}

function checkValue(name: string, kind: Kind | undefined, value: unknown): ParamValue {
  const ok =
    kind === undefined
      ? typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'
      : kind === 'int'
        ? Number.isInteger(value)
        : typeof value === kind;
  if (!ok || (typeof value === 'number' && !isFinite(value))) {
    throw new SpaceError(`${name}: expected ${kind === undefined ? 'a number, string or boolean' : kind === 'int' ? 'an integer' : `a ${kind}`}, got ${JSON.stringify(value)}`);
  }
  return value as ParamValue;
}

function finiteNumber(name: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new SpaceError(`${name}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseParam(key: string, raw: unknown): ParamSpec {
  const name = `params.${key}`;
  const kind = kindOf(key, 'params');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SpaceError(`${name}: expected an object like { "type": "choice", "values": [...] }`);
  const spec = raw as Record<string, unknown>;
  if (!TYPES.includes(spec.type as string)) throw new SpaceError(`${name}: type must be one of ${TYPES.join(', ')}, got ${JSON.stringify(spec.type)}`);
  const type = spec.type as ParamSpec['type'];
  const extra = Object.keys(spec).filter((f) => f !== 'type' && !FIELDS[type].includes(f));
  if (extra.length) throw new SpaceError(`${name}: unknown field(s) ${extra.join(', ')} for type ${type} (allowed: ${FIELDS[type].join(', ')})`);

  if (type === 'choice') {
    if (!Array.isArray(spec.values) || spec.values.length === 0) throw new SpaceError(`${name}: choice needs a non-empty "values" array`);
    const values = spec.values.map((v, i) => checkValue(`${name}.values[${i}]`, kind, v));
    if (new Set(values).size !== values.length) throw new SpaceError(`${name}: choice values must be distinct`);
    return { type, values };
  }
  if ((type === 'uniform' || type === 'loguniform') && kind !== undefined && kind !== 'number') {
    throw new SpaceError(`${name}: ${key} takes ${kind === 'int' ? 'integers: use int or choice' : `a ${kind}: use choice`}`);
  }
  if (type === 'int' && kind !== undefined && kind !== 'int' && kind !== 'number') throw new SpaceError(`${name}: ${key} takes a ${kind}: use choice`);
  const low = finiteNumber(`${name}.low`, spec.low, type === 'int');
  const high = finiteNumber(`${name}.high`, spec.high, type === 'int');
  if (!(low < high)) throw new SpaceError(`${name}: low must be below high, got low ${low} ≥ high ${high}`);
  if (type === 'int') {
    const step = spec.step === undefined ? 1 : finiteNumber(`${name}.step`, spec.step, true);
    if (step <= 0) throw new SpaceError(`${name}.step: must be a positive integer, got ${step}`);
    if (step > high - low) throw new SpaceError(`${name}.step: ${step} is larger than the range ${low}..${high}`);
    return { type, low, high, step };
  }
  if (type === 'loguniform' && !(low > 0)) throw new SpaceError(`${name}: a log range needs low > 0, got ${low}`);
  if (spec.gridPoints === undefined) return { type, low, high };
  const gridPoints = finiteNumber(`${name}.gridPoints`, spec.gridPoints, true);
  if (gridPoints < 2) throw new SpaceError(`${name}.gridPoints: must be ≥ 2, got ${gridPoints}`);
  return { type, low, high, gridPoints };
}

/** Values that exercise a parameter's whole range, checked against the training-config rules up front. */
function extremes(spec: ParamSpec): ParamValue[] {
  return spec.type === 'choice' ? spec.values : [spec.low, spec.high];
}

/** Validates a space given as parsed JSON or a TypeScript object; errors name the offending key. */
export function parseSpace(raw: unknown): SearchSpace {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SpaceError('a space is an object with "model", "fixed" and "params"');
  const obj = raw as Record<string, unknown>;
  const extra = Object.keys(obj).filter((k) => !['model', 'description', 'fixed', 'params'].includes(k));
  if (extra.length) throw new SpaceError(`unknown top-level key(s) ${extra.join(', ')} (allowed: model, description, fixed, params)`);
  if (typeof obj.model !== 'string') throw new SpaceError('"model" must name a model, e.g. "cnn-small"');
  const model = obj.model;
  try {
    resolveConfig({ model });
  } catch (err) {
    throw new SpaceError(`model: ${(err as Error).message}`);
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (obj.fixed !== undefined && !isObject(obj.fixed)) throw new SpaceError('"fixed" must be an object of option values');
  if (!isObject(obj.params) || Object.keys(obj.params as object).length === 0) throw new SpaceError('"params" must be an object with at least one parameter');
  if (obj.description !== undefined && typeof obj.description !== 'string') throw new SpaceError('"description" must be a string');

  const fixed: ParamValues = {};
  for (const [key, value] of Object.entries((obj.fixed ?? {}) as Record<string, unknown>)) {
    fixed[key] = checkValue(`fixed.${key}`, kindOf(key, 'fixed'), value);
  }
  const params: Record<string, ParamSpec> = {};
  for (const [key, spec] of Object.entries(obj.params as Record<string, unknown>)) {
    if (key in fixed) throw new SpaceError(`params.${key}: also set in fixed; keep one`);
    params[key] = parseParam(key, spec);
  }
  const space: SearchSpace = { model, ...(obj.description !== undefined && { description: obj.description as string }), fixed, params };

  // Range rules (lr > 0, labelSmoothing < 1, known optimizer...) come from the training config itself.
  for (const [key, spec] of Object.entries(params)) {
    for (const value of extremes(spec)) {
      try {
        trialConfig(space, { [key]: value }, { epochs: 1_000_000, seed: 0 });
      } catch (err) {
        throw new SpaceError(`params.${key}: ${(err as Error).message}`);
      }
    }
  }
  try {
    trialConfig(space, {}, { epochs: 1_000_000, seed: 0 });
  } catch (err) {
    throw new SpaceError(`fixed: ${(err as Error).message}`);
  }
  return space;
}

/** The TypeScript form for notebooks: defineSpace({ model: 'cnn-small', params: { lr: loguniform(1e-4, 1e-2) } }). */
export function defineSpace(space: { model: string; description?: string; fixed?: ParamValues; params: Record<string, ParamSpec> }): SearchSpace {
  return parseSpace(space);
}

export function loadSpace(file: string): SearchSpace {
  // A missing or unreadable file is a problem with the file (exit 1); a misspelt key is a bad argument.
  const raw = readJsonFile(file);
  try {
    return parseSpace(raw);
  } catch (err) {
    throw new SpaceError(`${file}: ${(err as Error).message}`);
  }
}

export interface TrialSettings {
  epochs: number;
  seed: number;
  trainLimit?: number;
  dataDir?: string;
  backend?: TrainConfig['backend'];
  threads?: number;
}

/** A trial's training configuration: the model's recipe ← fixed ← the trial's values ← the sweep's settings. */
export function trialConfig(space: SearchSpace, values: ParamValues, settings: TrialSettings): TrainConfig {
  const training: Record<string, ParamValue> = {};
  const modelOptions: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries({ ...space.fixed, ...values })) {
    if (isModelKey(key)) modelOptions[key.slice(MODEL_PREFIX.length)] = value;
    else training[key] = value;
  }
  const config = resolveConfig({
    model: space.model,
    ...training,
    ...(Object.keys(modelOptions).length > 0 && { modelOptions }),
    ...settings,
    trainLimit: settings.trainLimit ?? (training.trainLimit as number | undefined),
  });
  if (!(config.valFraction > 0)) throw new SpaceError('valFraction must be > 0: trials are ranked by validation accuracy');
  return config;
}
