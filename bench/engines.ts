/**
 * The engines as child processes: a tfjs backend via bench/child.ts, PyTorch via bench/torch_reference.py.
 * Each child measures one model and prints one JSON object on its last stdout line.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import { PROJECT_ROOT } from '../lib/util/paths';
import type { ChildReport } from './child';
import type { Engine, Measurement, Outcome, TfjsEngine } from './types';

/** Where PyTorch is looked for, in order: Debian's interpreter carries torch; `python3` on PATH may not. */
export const PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3'];
const TORCH_SCRIPT = join(__dirname, 'torch_reference.py');
const CHILD_SCRIPT = join(__dirname, 'child.ts');
/** A hung child must not hang the whole benchmark; a real measurement stays far below this. */
const CHILD_TIMEOUT_MS = 20 * 60 * 1000;
/**
 * glibc malloc serves large blocks with mmap and hands them back to the OS when freed, and trims the heap's
 * top; PyTorch allocates and frees every activation in every step, so each step faults all its activation
 * pages in afresh, which on a VM costs a large part of the step and measures the page-fault path, not
 * PyTorch. These keep freed memory in the process (mmap only above 32 MiB, never trim, grow by 1 GiB of
 * address space), as jemalloc or tcmalloc would. glibc reads them when the process starts, so the spawner
 * sets them; a value already in the environment wins.
 */
export const TORCH_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: `${32 * 1024 * 1024}`,
  MALLOC_TRIM_THRESHOLD_: `${16 * 1024 * 1024 * 1024}`,
  MALLOC_TOP_PAD_: `${1024 * 1024 * 1024}`,
};

/** The environment PyTorch is started with: TORCH_MALLOC_ENV under the user's own variables. */
export function torchEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...TORCH_MALLOC_ENV, ...env };
}

export interface Protocol {
  warmup: number;
  steps: number;
}

/** Warm-up and timed steps per engine: the pure-JS cpu backend is 10-300× slower than WASM, so it does the minimum. */
export function protocolFor(engine: Engine, steps: number): Protocol {
  return engine === 'cpu' ? { warmup: 1, steps: Math.min(steps, 2) } : { warmup: 2, steps };
}

export interface RunSpec {
  model: string;
  batchSize: number;
  steps: number;
  seed: number;
  maxStepSeconds: number;
}

export interface EngineRun {
  outcome: Outcome;
  /** What ran, when it did: backend details, or the PyTorch version and threads. */
  detail?: string;
}

/** The last line of output that parses as a JSON object (tfjs prints a banner on stdout before it). */
export function lastJsonLine(stdout: string): unknown {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // a line that merely starts with a brace
    }
  }
  return undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; failure?: string } {
  const child = spawnSync(command, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (child.error) return { stdout: '', failure: child.error.message };
  if (child.status !== 0) {
    const lastError = child.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
    return { stdout: child.stdout, failure: `exit ${child.status ?? child.signal}: ${lastError}` };
  }
  return { stdout: child.stdout };
}

function protocolArgs(spec: RunSpec, engine: Engine): string[] {
  const { warmup, steps } = protocolFor(engine, spec.steps);
  return ['--model', spec.model, '--batch-size', `${spec.batchSize}`, '--warmup', `${warmup}`, '--steps', `${steps}`, '--seed', `${spec.seed}`];
}

export function runTfjs(engine: TfjsEngine, spec: RunSpec): EngineRun {
  const args = ['-r', 'ts-node/register', CHILD_SCRIPT, '--engine', engine, ...protocolArgs(spec, engine), '--max-step-seconds', `${spec.maxStepSeconds}`];
  const { stdout, failure } = run(process.execPath, args);
  if (failure) return { outcome: { status: 'failed', reason: failure } };
  const report = lastJsonLine(stdout) as ChildReport | undefined;
  if (!report?.outcome) return { outcome: { status: 'failed', reason: 'the child printed no result' } };
  return { outcome: report.outcome, detail: report.backend };
}

export interface TorchPython {
  python?: string;
  version?: string;
  /** Why there is no usable PyTorch. */
  reason?: string;
}

export function findTorchPython(candidates = PYTHON_CANDIDATES): TorchPython {
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return { reason: `no python with torch found (tried ${candidates.join(', ')})` };
}

interface TorchOutput {
  torch: string;
  threads: number;
  ompWaitPolicy: string;
  /** The MALLOC_* variables glibc saw, by name; empty means glibc's defaults. */
  malloc: Record<string, string>;
  blas: { name: string; library: string; reference: boolean };
  models: Record<string, Measurement>;
  missing: string[];
}

export function runTorch(python: string, spec: RunSpec): EngineRun {
  const { stdout, failure } = run(python, [TORCH_SCRIPT, ...protocolArgs(spec, 'torch')], torchEnvironment());
  if (failure) return { outcome: { status: 'failed', reason: failure } };
  const output = lastJsonLine(stdout) as TorchOutput | undefined;
  if (!output?.models) return { outcome: { status: 'failed', reason: 'torch_reference.py printed no result' } };
  const blas = output.blas.reference
    ? `REFERENCE BLAS (${output.blas.library}): 3-4x slower than a real one, install libopenblas0-pthread before comparing`
    : `${output.blas.name} (${output.blas.library})`;
  const mallocVars = Object.entries(output.malloc).map(([name, value]) => `${name}=${value}`);
  const malloc = mallocVars.length ? `glibc malloc ${mallocVars.join(' ')}` : 'glibc malloc defaults (freed large blocks go back to the OS)';
  const detail = `PyTorch ${output.torch}, ${output.threads} threads, OMP_WAIT_POLICY=${output.ompWaitPolicy}, ${malloc}, ${blas} (${python})`;
  const result = output.models[spec.model];
  if (!result) return { outcome: { status: 'skipped', reason: `bench/torch_reference.py has no PyTorch version of ${spec.model}` }, detail };
  return { outcome: { status: 'measured', result }, detail };
}
