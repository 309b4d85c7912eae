/**
 * Papermill-style parameters. Each notebook has one code cell tagged `parameters` that declares
 *
 *   let profile: 'full' | 'quick' = 'full';
 *   let overrides: Partial<Params> = {};
 *
 * and the runner inserts a cell tagged `injected-parameters` right after it that reassigns them. The
 * notebook's own TypeScript types then check the injected values (a wrong type is a compile error there).
 */
import { randomBytes } from 'crypto';
import { parseKeyValue } from '../util/key-value';
import { Cell, CodeCell, hasTag, joinText, Notebook, splitLines } from './ipynb';

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

export interface Injection {
  /** 'quick' or 'full'; undefined keeps the notebook's default. */
  profile?: string;
  overrides: Record<string, unknown>;
}

/** The injection that --quick and repeated --param key=value ask for. */
export function injectionFromArgs(quick: boolean | undefined, params: string[] = []): Injection {
  return { profile: quick ? 'quick' : undefined, overrides: Object.fromEntries(params.map((param) => parseKeyValue(param, '--param'))) };
}

export function parametersCell(nb: Notebook): number {
  return nb.cells.findIndex((c) => c.cell_type === 'code' && hasTag(c, PARAMETERS_TAG));
}

/** Whether the notebook's parameters cell declares `key` (as a field of its Params type or profiles). */
export function declaresParam(nb: Notebook, key: string): boolean {
  const index = parametersCell(nb);
  if (index < 0) return false;
  return new RegExp(`(^|[\\s{,;])${key.replace(/\$/g, '\\$')}\\??\\s*:`).test(joinText(nb.cells[index].source));
}

/** The overrides that apply to this notebook: those its parameters cell declares. */
export function injectionFor(nb: Notebook, injection: Injection): Injection {
  const overrides = Object.fromEntries(Object.entries(injection.overrides).filter(([key]) => declaresParam(nb, key)));
  return { profile: injection.profile, overrides };
}

export function isEmptyInjection(injection: Injection): boolean {
  return injection.profile === undefined && Object.keys(injection.overrides).length === 0;
}

/** The injected cell; its last assignment is the cell's value, so the executed notebook shows what was overridden. */
export function injectedSource(injection: Injection): string {
  const lines = ['// Injected by the notebook runner: overrides the parameters above.'];
  if (injection.profile !== undefined) lines.push(`profile = ${JSON.stringify(injection.profile)};`);
  if (Object.keys(injection.overrides).length) lines.push(`overrides = ${JSON.stringify(injection.overrides)};`);
  return lines.join('\n');
}

/** A copy of the notebook with the injected cell after its parameters cell (no change for an empty injection). */
export function injectParameters(nb: Notebook, injection: Injection, name: string): Notebook {
  if (isEmptyInjection(injection)) return nb;
  const index = parametersCell(nb);
  if (index < 0) throw new Error(`${name}: no code cell tagged "${PARAMETERS_TAG}" to override`);
  const injected: CodeCell = {
    cell_type: 'code',
    // Cell ids exist from nbformat 4.5 on; older notebooks must not have them.
    ...(nb.nbformat_minor >= 5 ? { id: randomBytes(4).toString('hex') } : {}),
    metadata: { tags: [INJECTED_TAG] },
    source: splitLines(injectedSource(injection)),
    outputs: [],
    execution_count: null,
  };
  const cells: Cell[] = [...nb.cells.slice(0, index + 1), injected, ...nb.cells.slice(index + 1)];
  return { ...nb, cells };
}
