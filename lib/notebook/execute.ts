/**
 * Executes a notebook in this process with tslab's own converter and executor — the code path of the
 * Jupyter kernel without ZeroMQ or Python — capturing each cell's streams, rich displays and errors as
 * nbformat outputs. Execution stops at the first failing cell. Like a kernel, it runs in the notebook's
 * folder (tslab compiles relative to the working directory).
 */
import { basename, dirname, resolve } from 'path';
import { format, inspect } from 'util';
import type { Converter } from 'tslab/dist/converter';
import type { ConsoleInterface, ConverterSet } from 'tslab/dist/executor';
import { Cell, CodeCell, DisplayDataOutput, ErrorOutput, joinText, Notebook, Output, readNotebook, splitLines, writeNotebook } from './ipynb';
import { INJECTED_TAG, Injection, injectionFor, injectParameters } from './parameters';

export interface ExecuteOptions {
  /** Profile and overrides; overrides the notebook does not declare are left out. */
  injection?: Injection;
  /** Where the executed notebook goes (written atomically, also when a cell fails). */
  outFile?: string;
  /** Copy cell output to this process's stdout/stderr as it comes. */
  echo?: boolean;
}

export interface CellFailure {
  /** 1-based position in the source notebook; 0 for the injected parameters cell. */
  cell: number;
  /** First line of the cell, to recognise it. */
  firstLine: string;
  /** One line: the error as the kernel would report it. */
  message: string;
}

export interface ExecuteResult {
  notebook: Notebook;
  failure?: CellFailure;
  seconds: number;
}

/** What tslab's display API calls (tslab/dist/jupyter's lastWriteDisplayData). */
type WriteDisplayData = (
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient?: { display_id?: string } },
  update: boolean,
) => void;

/** Collects one cell's outputs in nbformat shape. */
class CellOutputs {
  readonly outputs: Output[] = [];
  private readonly displays = new Map<string, DisplayDataOutput>();
  /** Error objects and compiler diagnostics reported by the executor. */
  readonly errors: unknown[] = [];
  readonly diagnostics: string[] = [];

  stream(name: 'stdout' | 'stderr', text: string): void {
    const last = this.outputs[this.outputs.length - 1];
    // Consecutive writes to one stream form one output, as in Jupyter.
    if (last?.output_type === 'stream' && last.name === name) last.text = joinText(last.text) + text;
    else this.outputs.push({ output_type: 'stream', name, text });
  }

  display: WriteDisplayData = ({ data, metadata, transient }, update) => {
    const output: DisplayDataOutput = { output_type: 'display_data', data: storedData(data), metadata: metadata ?? {} };
    const id = transient?.display_id;
    const previous = id ? this.displays.get(id) : undefined;
    if (update && previous) {
      previous.data = output.data;
      return;
    }
    if (id) this.displays.set(id, output);
    this.outputs.push(output);
  };

  finish(): Output[] {
    for (const o of this.outputs) if (o.output_type === 'stream') o.text = splitLines(joinText(o.text));
    return this.outputs;
  }
}

/** Text payloads are stored as line lists like Jupyter does; base64 images and JSON stay as they are. */
function storedData(data: Record<string, unknown>): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(data).map(([mime, value]) => [mime, typeof value === 'string' && /^text\/|svg/.test(mime) ? splitLines(value) : (value as string)]),
  );
}

function errorOutput(outputs: CellOutputs): { output: ErrorOutput; message: string } {
  if (outputs.errors.length === 0) {
    const evalue = outputs.diagnostics.join('\n') || 'the cell failed';
    return { output: { output_type: 'error', ename: 'CompileError', evalue, traceback: outputs.diagnostics }, message: outputs.diagnostics.join('; ') };
  }
  const err = outputs.errors[0];
  if (err instanceof Error) {
    const stack = err.stack ?? String(err);
    return { output: { output_type: 'error', ename: err.name, evalue: err.message, traceback: stack.split('\n') }, message: `${err.name}: ${err.message}` };
  }
  const text = typeof err === 'string' ? err : inspect(err);
  return { output: { output_type: 'error', ename: 'Error', evalue: text, traceback: [text] }, message: text };
}

function createConverters(): ConverterSet {
  // Loaded here, not at import: tslab brings its own TypeScript compiler, which only execution needs.
  const { createConverter } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
  let node: Converter | undefined;
  let browser: Converter | undefined;
  return {
    get node() {
      return (node ??= createConverter({ isBrowser: false }));
    },
    get browser() {
      return (browser ??= createConverter({ isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
}

/** Redirects process.stdout/stderr into `sink` until the returned function is called. */
function captureStreams(sink: () => CellOutputs, echo: boolean): () => void {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = originals[name];
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      sink().stream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      if (echo) return original.call(stream, chunk, ...(rest as []));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  return () => {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  };
}

export async function executeNotebook(file: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const path = resolve(file);
  const source = readNotebook(path);
  const injection = options.injection ? injectionFor(source, options.injection) : undefined;
  const nb = injection ? injectParameters(source, injection, basename(path)) : source;
  const started = Date.now();
  const cwd = process.cwd();
  process.chdir(dirname(path));
  let failure: CellFailure | undefined;
  try {
    failure = await runCells(nb, options.echo ?? false);
  } finally {
    process.chdir(cwd);
  }
  const seconds = (Date.now() - started) / 1000;
  nb.metadata = { ...nb.metadata, pixelwise: { executedAt: new Date(started).toISOString(), seconds, injection: injection ?? null, failedCell: failure?.cell ?? null } };
  if (options.outFile) writeNotebook(options.outFile, nb);
  return { notebook: nb, failure, seconds };
}

/** Runs the code cells in order in a fresh tslab executor, filling in their outputs; returns the first failure. */
async function runCells(nb: Notebook, echo: boolean): Promise<CellFailure | undefined> {
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: WriteDisplayData | null };
  const { createExecutor } = require('tslab/dist/executor') as typeof import('tslab/dist/executor');
  let current = new CellOutputs();
  const kernelConsole: ConsoleInterface = {
    // Through process.stdout, like the kernel's console.log, so echo sees it too.
    log: (...args: unknown[]) => process.stdout.write(format(...args) + '\n'),
    error: (...args: unknown[]) => {
      // The executor reports a thrown value as error(value) and each compile diagnostic as error('%s%d:%d - %s', ...).
      if (args.length === 1) current.errors.push(args[0]);
      else current.diagnostics.push(format(...args));
    },
  };
  const executor = createExecutor(process.cwd(), createConverters(), kernelConsole);
  const restoreStreams = captureStreams(() => current, echo);
  let failure: CellFailure | undefined;
  let count = 0;
  let injectedSeen = false;
  try {
    for (const [index, cell] of nb.cells.entries()) {
      const injected = cell.metadata.tags?.includes(INJECTED_TAG) ?? false;
      if (injected) injectedSeen = true;
      if (cell.cell_type !== 'code') continue;
      if (failure) {
        clearCode(cell);
        continue;
      }
      current = new CellOutputs();
      jupyter.lastWriteDisplayData = current.display;
      const ok = await executor.execute(joinText(cell.source));
      cell.execution_count = ++count;
      cell.outputs = current.finish();
      if (!ok) {
        const { output, message } = errorOutput(current);
        cell.outputs.push(output);
        const firstLine = joinText(cell.source).split('\n').find((l) => l.trim()) ?? '';
        // Numbered as in the source notebook, which has no injected cell.
        failure = { cell: injected ? 0 : index + 1 - (injectedSeen ? 1 : 0), firstLine: firstLine.trim(), message: message.split('\n')[0] };
      }
    }
  } finally {
    restoreStreams();
    jupyter.lastWriteDisplayData = null;
    executor.close();
  }
  return failure;
}

function clearCode(cell: Cell): void {
  (cell as CodeCell).outputs = [];
  (cell as CodeCell).execution_count = null;
}

/** "cell 7 (`const runs = …`)" or "the injected parameters cell". */
export function describeCell(failure: CellFailure): string {
  if (failure.cell === 0) return 'the injected parameters cell';
  const line = failure.firstLine.length > 50 ? failure.firstLine.slice(0, 49) + '…' : failure.firstLine;
  return `cell ${failure.cell}${line ? ` (\`${line}\`)` : ''}`;
}
