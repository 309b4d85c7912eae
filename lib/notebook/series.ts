/** The numbered notebook series and its headless execution: one fresh process per notebook, in order, stopping at the first failure. */
import { fork } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import { basename, extname, join, resolve } from 'path';
import { UsageError } from '../util/errors';
import { PROJECT_ROOT, RESULTS_DIR } from '../util/paths';
import { CellFailure, describeCell } from './execute';
import { readNotebook } from './ipynb';
import { declaresParam, Injection, injectionFromArgs } from './parameters';
import type { WorkerJob, WorkerReply } from './worker';

export const NOTEBOOKS_DIR = join(PROJECT_ROOT, 'notebooks');
export const EXECUTED_DIR = join(RESULTS_DIR, 'notebooks');

const SERIES_NAME = /^\d\d-.+\.ipynb$/;

/** notebooks/NN-name.ipynb in order. */
export function seriesNotebooks(dir = NOTEBOOKS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => SERIES_NAME.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** A notebook named on the command line: a path, a file name, a stem ("02-cnn") or its number ("02"). */
export function resolveNotebook(arg: string, dir = NOTEBOOKS_DIR): string {
  if (existsSync(arg) && extname(arg) === '.ipynb') return resolve(arg);
  const matches = seriesNotebooks(dir).filter((f) => {
    const name = basename(f);
    return name === arg || name === `${arg}.ipynb` || name.startsWith(`${arg}-`);
  });
  if (matches.length !== 1) {
    const known = seriesNotebooks(dir).map((f) => basename(f, '.ipynb')).join(', ');
    throw new UsageError(`${matches.length ? 'ambiguous' : 'no'} notebook "${arg}" (series: ${known})`);
  }
  return matches[0];
}

/**
 * The notebooks and injection a command line asks for. An override that none of the notebooks declares
 * is certainly a typo, so it is refused before anything runs.
 */
export function planSeries(notebooks: string[], quick?: boolean, params?: string[]): { files: string[]; injection: Injection } {
  const files = notebooks.length ? notebooks.map((n) => resolveNotebook(n)) : seriesNotebooks();
  const injection = injectionFromArgs(quick, params);
  const parsed = files.map((f) => readNotebook(f));
  const unknown = Object.keys(injection.overrides).filter((key) => !parsed.some((nb) => declaresParam(nb, key)));
  if (unknown.length) throw new UsageError(`no notebook here declares the parameter(s) ${unknown.join(', ')}`);
  return { files, injection };
}

export interface SeriesOptions {
  injection?: Injection;
  /** Where executed notebooks go (default results/notebooks). */
  outDir?: string;
  /** Stream the notebooks' output to this process's stdout/stderr. */
  echo?: boolean;
  onStart?: (file: string) => void;
}

export interface NotebookRun {
  file: string;
  outFile: string;
  seconds: number;
  failure?: CellFailure;
}

export class NotebookFailure extends Error {
  constructor(readonly run: NotebookRun) {
    super(`${basename(run.file)}, ${describeCell(run.failure!)}: ${run.failure!.message} (outputs in ${run.outFile})`);
    this.name = 'NotebookFailure';
  }
}

/** Executes the notebooks in order; throws NotebookFailure for the first failing cell. */
export async function runSeries(files: string[], options: SeriesOptions = {}): Promise<NotebookRun[]> {
  const runs: NotebookRun[] = [];
  for (const file of files) {
    options.onStart?.(file);
    const outFile = join(options.outDir ?? EXECUTED_DIR, basename(file));
    const reply = await runWorker({ file, outFile, injection: options.injection, echo: options.echo });
    if ('error' in reply) throw new Error(`${basename(file)}: ${reply.error}`);
    const run: NotebookRun = { file, outFile, ...reply };
    runs.push(run);
    if (run.failure) throw new NotebookFailure(run);
  }
  return runs;
}

/**
 * What a crashed process's stderr says about the crash: its last lines without the stack frames and Node's
 * version banner, which would otherwise fill the summary and push out the error itself.
 */
export function crashLines(stderr: string, count = 3): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  return lines
    .filter((line) => line && !/^at /.test(line) && !/^Node\.js v\d/.test(line))
    .slice(-count)
    .join(' | ');
}

function runWorker(job: WorkerJob): Promise<WorkerReply> {
  // Under ts-node (tests, development) the worker is a .ts file and needs ts-node too.
  const script = join(__dirname, `worker${extname(__filename)}`);
  const child = fork(script, [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: extname(__filename) === '.ts' ? ['-r', 'ts-node/register'] : [],
  });
  // Kept to explain a crash (e.g. an unhandled rejection after its cell finished).
  let stderrTail = '';
  child.stdout!.on('data', (chunk: Buffer) => job.echo && process.stdout.write(chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    if (job.echo) process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  return new Promise((resolvePromise, reject) => {
    let reply: WorkerReply | undefined;
    child.on('message', (message: WorkerReply) => (reply = message));
    child.on('error', reject);
    // 'close' (not 'exit') comes after the IPC channel has delivered everything.
    child.on('close', (code, signal) => {
      if (reply) return resolvePromise(reply);
      const last = crashLines(stderrTail);
      resolvePromise({ error: `the notebook process died (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ''}` });
    });
    child.send(job);
  });
}
