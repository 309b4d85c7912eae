/** The Jupyter notebook file (nbformat 4): the types the runner touches, reading with clear errors, atomic writing. */
import { readFileSync } from 'fs';
import { writeFileAtomic } from '../util/atomic';

/** Jupyter stores text either as one string or as a list of lines that each keep their '\n'. */
export type MultilineString = string | string[];

export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: 'display_data';
  data: Record<string, MultilineString>;
  metadata: Record<string, unknown>;
}

export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ErrorOutput;

export interface CodeCell {
  cell_type: 'code';
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
  outputs: Output[];
  execution_count: number | null;
}

export interface TextCell {
  cell_type: 'markdown' | 'raw';
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
}

export type Cell = CodeCell | TextCell;

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function joinText(text: MultilineString): string {
  return Array.isArray(text) ? text.join('') : text;
}

/** Splits text the way Jupyter saves it: one entry per line, each keeping its newline. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code ? `cannot read (${code})` : `not valid JSON (${(err as Error).message})`}`);
  }
  if (nb?.nbformat !== 4 || !Array.isArray(nb.cells)) throw new Error(`${file}: not an nbformat 4 notebook`);
  return nb;
}

/** Writes with one-space indentation and a final newline, as Jupyter does, so saved files diff cleanly. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + '\n');
}

export function hasTag(cell: Cell, tag: string): boolean {
  return cell.metadata.tags?.includes(tag) ?? false;
}
